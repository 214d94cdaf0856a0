package artifact

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// checksum is an expected digest; the zero value checks nothing.
type checksum struct {
	algo string // md5, sha1, sha256 or sha512
	want []byte
}

var hashes = map[string]struct {
	new  func() hash.Hash
	size int
}{
	"md5":    {md5.New, md5.Size},
	"sha1":   {sha1.New, sha1.Size},
	"sha256": {sha256.New, sha256.Size},
	"sha512": {sha512.New, sha512.Size},
}

// parseChecksum parses "type:hex".
func parseChecksum(s string) (checksum, error) {
	algo, hexSum, ok := strings.Cut(s, ":")
	if !ok {
		return checksum{}, fmt.Errorf("%w: checksum %q: want \"<type>:<hex>\" with type md5, sha1, sha256 or sha512", ErrInvalid, s)
	}
	algo = strings.ToLower(algo)
	h, ok := hashes[algo]
	if !ok {
		return checksum{}, fmt.Errorf("%w: checksum type %q: want md5, sha1, sha256 or sha512", ErrInvalid, algo)
	}
	want, err := hex.DecodeString(hexSum)
	if err != nil || len(want) != h.size {
		return checksum{}, fmt.Errorf("%w: checksum %q: want %d hex digits for %s", ErrInvalid, s, 2*h.size, algo)
	}
	return checksum{algo: algo, want: want}, nil
}

// newHash returns the hash to feed the fetched bytes into, or nil when
// nothing is checked.
func (c checksum) newHash() hash.Hash {
	if c.algo == "" {
		return nil
	}
	return hashes[c.algo].new()
}

// verify compares got (the digest of the fetched bytes) with the expected
// one.
func (c checksum) verify(got []byte) error {
	if c.algo == "" {
		return nil
	}
	if string(got) != string(c.want) {
		return fmt.Errorf("%w: expected %s:%s, got %s:%s", ErrChecksum, c.algo, hex.EncodeToString(c.want), c.algo, hex.EncodeToString(got))
	}
	return nil
}
