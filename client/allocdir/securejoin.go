package allocdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrEscapes is returned (wrapped with the path) for a path that is not
// confined to its base directory.
var ErrEscapes = errors.New("path escapes the allocation directory")

// maxSymlinks bounds symlink resolution, as the kernel's ELOOP does.
const maxSymlinks = 40

// SecureJoin joins an untrusted relative path to base and resolves every
// symlink on the way. It refuses (with ErrEscapes) absolute paths, any
// ".." component, NUL bytes, and symlinks — in the last component or any
// intermediate one — whose target lies outside base. Components that do
// not exist yet are joined as they are, so the result may name a file to
// be created.
//
// The result is base joined with the resolved path, so it holds no
// symlink as of the call; a task that swaps a directory for a symlink
// afterwards is the caller's concern (open with O_NOFOLLOW, as Open does).
func SecureJoin(base, rel string) (string, error) {
	switch {
	case strings.IndexByte(rel, 0) >= 0:
		return "", fmt.Errorf("%w: %q contains a NUL byte", ErrEscapes, rel)
	case filepath.IsAbs(rel):
		return "", fmt.Errorf("%w: %q is absolute", ErrEscapes, rel)
	}
	for _, c := range strings.Split(filepath.ToSlash(rel), "/") {
		if c == ".." {
			return "", fmt.Errorf("%w: %q contains \"..\"", ErrEscapes, rel)
		}
	}

	base = filepath.Clean(base)
	// Resolve symlinks in base itself (e.g. /tmp on some systems), so the
	// confinement check compares like with like.
	realBase, err := filepath.EvalSymlinks(base)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("resolve %s: %w", base, err)
		}
		realBase = base
	}

	cur := realBase
	pending := splitPath(rel)
	missing := false // cur does not exist, so nothing below it does
	links := 0
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		if c == ".." {
			// Only from a symlink target.
			cur = filepath.Dir(cur)
			if !within(realBase, cur) {
				return "", fmt.Errorf("%w: %q", ErrEscapes, rel)
			}
			continue
		}
		next := filepath.Join(cur, c)
		if missing {
			cur = next
			continue
		}
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			missing = true
			cur = next
			continue
		}
		if err != nil {
			return "", fmt.Errorf("resolve %q in %s: %w", rel, base, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		links++
		if links > maxSymlinks {
			return "", fmt.Errorf("resolve %q in %s: too many symlinks", rel, base)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", fmt.Errorf("resolve %q in %s: %w", rel, base, err)
		}
		if filepath.IsAbs(target) {
			t := filepath.Clean(target)
			if !within(realBase, t) {
				return "", fmt.Errorf("%w: %q: symlink %s points to %s", ErrEscapes, rel, next, target)
			}
			// Walk the target again from the base, resolving its
			// components too.
			r, _ := filepath.Rel(realBase, t)
			cur = realBase
			pending = append(splitPath(r), pending...)
			continue
		}
		// A relative target is resolved from the link's directory; its
		// ".." components are checked as they are walked.
		pending = append(splitPath(target), pending...)
	}
	if !within(realBase, cur) {
		return "", fmt.Errorf("%w: %q", ErrEscapes, rel)
	}
	r, _ := filepath.Rel(realBase, cur)
	return filepath.Join(base, r), nil
}

// splitPath splits p into its non-empty, non-"." components.
func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(filepath.ToSlash(p), "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// within reports whether p is base or below it (both clean).
func within(base, p string) bool {
	if base == string(filepath.Separator) {
		return true
	}
	return p == base || strings.HasPrefix(p, base+string(filepath.Separator))
}
