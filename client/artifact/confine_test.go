package artifact

import "testing"

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		base, p string
		want    bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/b/c", true},
		{"/a/b", "/a/bc", false},
		{"/a/b", "/a", false},
		{"/a/b/", "/a/b/c/../d", true},
		{"/", "/x", true},
	} {
		if got := within(tc.base, tc.p); got != tc.want {
			t.Errorf("within(%q, %q) = %v", tc.base, tc.p, got)
		}
	}
}

func TestSafeLinkTarget(t *testing.T) {
	for target, want := range map[string]bool{
		"x": true, "../lib/x": true, "../../x": true, "./x": true, "a/b": true,
		"a/../x": false, "a/../../x": false, "../a/../b": false,
	} {
		if got := safeLinkTarget(target); got != want {
			t.Errorf("safeLinkTarget(%q) = %v, want %v", target, got, want)
		}
	}
}
