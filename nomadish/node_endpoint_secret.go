package nomadish

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// ErrNodeSecretMismatch refuses a node request whose SecretID is not the
// one the node registered with: the node's status, its allocations and
// its identity can only be changed or read in full by the client that
// holds the secret.
var ErrNodeSecretMismatch = errors.New("node secret ID does not match the one registered")

// checkNodeSecret returns ErrNodeSecretMismatch, naming the node, unless
// secret is node's registered secret. An empty secret matches only a node
// registered without one; a node that is not registered has nothing to
// match, so nil passes.
func checkNodeSecret(node *structs.Node, secret string) error {
	if node == nil || subtle.ConstantTimeCompare([]byte(node.SecretID), []byte(secret)) == 1 {
		return nil
	}
	return fmt.Errorf("%w for node %s", ErrNodeSecretMismatch, node.ID)
}
