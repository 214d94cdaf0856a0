package wasm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrEscapes is a path that would lead out of the directory it must stay
// in: an absolute path, "..", or a symlink pointing outside.
var ErrEscapes = errors.New("path leads outside its directory")

// maxSymlinks bounds the symlinks followed while resolving one path, as
// the kernel's ELOOP does.
const maxSymlinks = 40

// resolveInside resolves rel (slash-separated, relative) inside root the way
// the kernel would, following symlinks, and returns the host path it names.
// It refuses with ErrEscapes an absolute rel, a ".." climbing above root and
// a symlink whose target is absolute or climbs above root. Components that
// do not exist yet are joined as written, so a file about to be created
// resolves too. followLast false leaves a final symlink unresolved (as
// lstat, unlink and rename do).
//
// The check and the later use of the path are two steps: a process that can
// swap a directory for a symlink in between could still win a race. The
// driver's own guests are single-threaded and resolve their paths one call
// at a time, which is what this is for.
func resolveInside(root, rel string, followLast bool) (string, error) {
	if strings.HasPrefix(rel, "/") || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%q: %w", rel, ErrEscapes)
	}
	// todo holds the components still to resolve, done those resolved.
	todo := splitPath(rel)
	var done []string
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", fmt.Errorf("%q: %w", rel, ErrEscapes)
			}
			done = done[:len(done)-1]
			continue
		}
		cur := filepath.Join(root, filepath.Join(done...), c)
		fi, err := os.Lstat(cur)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				// Nothing further exists to follow; the rest is lexical.
				done = append(done, c)
				for _, r := range todo {
					switch r {
					case ".":
					case "..":
						if len(done) == 0 {
							return "", fmt.Errorf("%q: %w", rel, ErrEscapes)
						}
						done = done[:len(done)-1]
					default:
						done = append(done, r)
					}
				}
				todo = nil
				continue
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 || (len(todo) == 0 && !followLast) {
			done = append(done, c)
			continue
		}
		hops++
		if hops > maxSymlinks {
			return "", fmt.Errorf("%q: too many levels of symbolic links", rel)
		}
		target, err := os.Readlink(cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") || filepath.IsAbs(target) {
			return "", fmt.Errorf("%q: symlink %s points to %q: %w", rel, path.Join(append(done, c)...), target, ErrEscapes)
		}
		todo = append(splitPath(target), todo...)
	}
	return filepath.Join(root, filepath.Join(done...)), nil
}

func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(filepath.ToSlash(p), "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
