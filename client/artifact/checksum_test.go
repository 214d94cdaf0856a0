package artifact

import (
	"errors"
	"strings"
	"testing"
)

func TestParseChecksum(t *testing.T) {
	for _, s := range []string{
		"md5:" + strings.Repeat("a", 32),
		"sha1:" + strings.Repeat("b", 40),
		"SHA256:" + strings.Repeat("c", 64),
		"sha512:" + strings.Repeat("d", 128),
	} {
		if _, err := parseChecksum(s); err != nil {
			t.Errorf("parseChecksum(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"abc", "crc32:12345678", "sha256:xyz", "sha256:" + strings.Repeat("c", 62), "file:http://x/SHA256SUMS"} {
		if _, err := parseChecksum(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("parseChecksum(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestChecksumVerify(t *testing.T) {
	c, err := parseChecksum("md5:" + strings.Repeat("0", 32))
	if err != nil {
		t.Fatal(err)
	}
	h := c.newHash()
	h.Write([]byte("x"))
	err = c.verify(h.Sum(nil))
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "expected md5:"+strings.Repeat("0", 32)+", got md5:9dd4e461268c8034f5c8564e155c67a6") {
		t.Fatalf("verify = %v", err)
	}
	if (checksum{}).newHash() != nil || (checksum{}).verify(nil) != nil {
		t.Fatal("the zero checksum checks something")
	}
}
