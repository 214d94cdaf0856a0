package fingerprint

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Fingerprinter finds one facet of the node and writes it into resp. It
// returns an error only when it could not tell; a facet that simply is not
// there (no cgroups, say) leaves resp.Detected false and returns nil.
type Fingerprinter interface {
	Fingerprint(req *Request, resp *Response) error
}

// Request is what every fingerprinter is given.
type Request struct {
	// Root is where /proc, /sys and /etc are read from; "" means "/".
	Root string
	// DataDir is the agent's data directory, whose volume is the node's
	// allocatable disk.
	DataDir string
	// NetworkInterface, when set, names the interface whose address the
	// node advertises instead of the default route's.
	NetworkInterface string
	// CpuTotalCompute, when positive, overrides cores × MHz, for machines
	// whose frequency cannot be read (many ARM boards, some VMs).
	CpuTotalCompute int64
	// Version and Revision are the agent's build version and VCS revision.
	Version  string
	Revision string
}

// path returns p (an absolute host path such as "/proc/meminfo") under Root.
func (r *Request) path(p string) string {
	root := r.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// realRoot reports whether the request reads the real machine rather than
// a fake tree, so fingerprinters may fall back to system calls.
func (r *Request) realRoot() bool {
	return r.Root == "" || filepath.Clean(r.Root) == "/"
}

// readTrimmed reads a one-value file such as /proc/sys/kernel/osrelease.
func (r *Request) readTrimmed(p string) (string, error) {
	b, err := os.ReadFile(r.path(p))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// Response is what one fingerprinter found. The resource pieces it did not
// look at stay nil.
type Response struct {
	Attributes map[string]string
	Links      map[string]string

	Cpu      *structs.NodeCpuResources
	Memory   *structs.NodeMemoryResources
	Disk     *structs.NodeDiskResources
	Networks []*structs.NetworkResource

	// Detected is true when the facet exists on this node.
	Detected bool
}

// AddAttribute sets one node attribute.
func (r *Response) AddAttribute(name, value string) {
	if r.Attributes == nil {
		r.Attributes = make(map[string]string)
	}
	r.Attributes[name] = value
}

// AddLink sets one link to an external identity of the node.
func (r *Response) AddLink(name, value string) {
	if r.Links == nil {
		r.Links = make(map[string]string)
	}
	r.Links[name] = value
}
