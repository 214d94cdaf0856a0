package artifact

import (
	"path/filepath"
	"strings"
)

// Every path this package writes is joined with allocdir.SecureJoin, which
// refuses absolute paths, "..", NUL bytes and symlinks that resolve outside
// the base; its errors wrap allocdir.ErrEscapes.

// within reports whether p is base or lies below it; both are absolute.
func within(base, p string) bool {
	base, p = filepath.Clean(base), filepath.Clean(p)
	if base == p {
		return true
	}
	if !strings.HasSuffix(base, string(filepath.Separator)) {
		base += string(filepath.Separator)
	}
	return strings.HasPrefix(p, base)
}

// safeLinkTarget reports whether a relative symlink target uses ".." only
// as a leading prefix ("../lib/x", not "a/../../x"). Resolved from the
// link's real directory, such a target goes up exactly as far as it reads;
// a ".." after a component that is itself a symlink would go up from
// wherever that symlink points.
func safeLinkTarget(target string) bool {
	leading := true
	for _, c := range strings.Split(filepath.ToSlash(target), "/") {
		switch c {
		case "", ".":
		case "..":
			if !leading {
				return false
			}
		default:
			leading = false
		}
	}
	return true
}
