package artifact

import (
	"errors"
	"testing"
)

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		src      string
		url      bool
		path     string
		relative bool
		name     string
	}{
		{src: "https://example.com/a/b.tar.gz?x=1", url: true, name: "b.tar.gz"},
		{src: "http://example.com/", url: true, name: ""},
		{src: "file:///srv/files/app", path: "/srv/files/app", name: "app"},
		{src: "/srv/files/app", path: "/srv/files/app", name: "app"},
		{src: "local/app.zip", path: "local/app.zip", relative: true, name: "app.zip"},
	} {
		s, err := parseSource(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if (s.url != nil) != tc.url || s.path != tc.path || s.relative != tc.relative || s.name != tc.name {
			t.Errorf("%s: got %+v", tc.src, s)
		}
	}
	for _, src := range []string{"", "s3://bucket/key", "git::https://github.com/x/y", "file://host/x", "file://relative", "http:///nohost", "a\x00b"} {
		if _, err := parseSource(src); !errors.Is(err, ErrInvalid) {
			t.Errorf("parseSource(%q) = %v, want ErrInvalid", src, err)
		}
	}
}
