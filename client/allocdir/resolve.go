package allocdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxPathLength bounds a path given to the fs API, as the kernel's
// PATH_MAX does.
const MaxPathLength = 4096

var (
	// ErrSecrets is returned (wrapped in a *PathError) for a path that
	// ends in, or passes through, a task's secrets directory, however it
	// is spelled and whatever symlinks lead there.
	ErrSecrets = errors.New("reading a task's secrets directory is prohibited")
	// ErrNotDir is returned by List for anything but a directory, and by
	// every method for a path that goes through a file as if it were one.
	ErrNotDir = errors.New("not a directory")
	// ErrLoop is returned when resolving a path meets more than
	// maxSymlinks symlinks, as a symlink loop does.
	ErrLoop = errors.New("too many symlinks")
	// ErrInvalidPath is returned for a path that cannot name a file: one
	// holding a NUL byte or longer than MaxPathLength.
	ErrInvalidPath = errors.New("invalid path")
	// ErrChanged is returned when the file at a path was replaced between
	// resolving the path and opening it (a task changed its directory
	// meanwhile); asking again sees the new file.
	ErrChanged = errors.New("the file changed while it was being opened")
)

// PathError is the error of every fs API method (List, Stat, Open,
// OpenLogDir). Path is the caller's path, never a host path, and Err holds
// no host path either: it is one of this package's sentinels, or the bare
// errno of a system call, so errors.Is(err, fs.ErrNotExist) still works.
type PathError struct {
	Op   string
	Path string
	Err  error
}

func (e *PathError) Error() string {
	p := e.Path
	if len(p) > 128 {
		p = p[:128] + "..."
	}
	return fmt.Sprintf("%s %q: %v", e.Op, p, e.Err)
}

func (e *PathError) Unwrap() error { return e.Err }

// resolved is a caller's path resolved inside the allocation directory:
// the final entry is name in dir, info is its Lstat (never a symlink),
// and logical its path relative to the allocation directory, symlinks
// resolved.
type resolved struct {
	dir     *os.Root
	name    string
	info    fs.FileInfo
	logical string
}

// resolver walks a path one component at a time from the allocation
// directory down, each directory opened through the one above it as an
// os.Root, so that nothing a task swaps in meanwhile can lead the walk
// outside: os.Root confines every open to its directory, symlinks
// included. Symlinks are resolved here rather than by os.Root, so that
// the walk knows the path it is really on and can refuse a task's secrets
// directory whatever path leads there.
type resolver struct {
	base  string     // the allocation directory's host path, clean
	stack []*os.Root // stack[0] is the allocation directory
	names []string   // the logical path of stack[len-1]
}

// resolve confines an fs API path to d.Dir, where "" and "/" name the
// allocation directory itself and a leading "/" is ignored. A ".." that
// stays inside is allowed. The caller closes the result's dir.
func (d *AllocDir) resolve(op, rel string) (*resolved, error) {
	fail := func(err error) error { return &PathError{Op: op, Path: rel, Err: err} }
	switch {
	case len(rel) > MaxPathLength:
		return nil, fail(fmt.Errorf("%w: it is too long (%d bytes; at most %d are accepted)", ErrInvalidPath, len(rel), MaxPathLength))
	case strings.IndexByte(rel, 0) >= 0:
		return nil, fail(fmt.Errorf("%w: it contains a NUL byte", ErrInvalidPath))
	}
	pending := splitPath(rel)
	base, err := os.OpenRoot(d.Dir)
	if err != nil {
		return nil, fail(bare(err))
	}
	r := &resolver{base: filepath.Clean(d.Dir), stack: []*os.Root{base}}
	res, err := r.walk(pending)
	if err != nil {
		r.closeFrom(0)
		return nil, fail(err)
	}
	// Keep only the directory holding the result open.
	for _, s := range r.stack[:len(r.stack)-1] {
		s.Close()
	}
	return res, nil
}

func (r *resolver) walk(pending []string) (*resolved, error) {
	links := 0
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		cur := r.stack[len(r.stack)-1]
		if c == ".." {
			// The parent of the directory really reached (as the
			// kernel resolves "link/.."), whether the ".." is the
			// caller's or a symlink's.
			if len(r.names) == 0 {
				return nil, fmt.Errorf("%w: \"..\" on the way leads above it", ErrEscapes)
			}
			cur.Close()
			r.stack = r.stack[:len(r.stack)-1]
			r.names = r.names[:len(r.names)-1]
			continue
		}
		here := strings.Join(append(r.names[:len(r.names):len(r.names)], c), "/")
		fi, err := cur.Lstat(c)
		if err != nil {
			return nil, bare(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			links++
			if links > maxSymlinks {
				return nil, fmt.Errorf("%w: more than %d on the way (a symlink loop?)", ErrLoop, maxSymlinks)
			}
			target, err := cur.Readlink(c)
			if err != nil {
				return nil, bare(err)
			}
			if filepath.IsAbs(target) {
				inside, ok := r.inside(target)
				if !ok {
					return nil, fmt.Errorf("%w: the symlink %q leads outside it", ErrEscapes, here)
				}
				r.closeFrom(1)
				r.stack, r.names = r.stack[:1], nil
				target = inside
			}
			pending = append(splitPath(target), pending...)
			continue
		}
		if isSecrets(r.names, c) {
			return nil, secretsErr(here)
		}
		if len(pending) == 0 {
			return &resolved{dir: cur, name: c, info: fi, logical: here}, nil
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("%w: %q is %s", ErrNotDir, here, kind(fi.Mode()))
		}
		sub, err := cur.OpenRoot(c)
		if err != nil {
			return nil, bare(err)
		}
		if err := sameFile(fi, sub, "."); err != nil {
			sub.Close()
			return nil, err
		}
		r.stack = append(r.stack, sub)
		r.names = append(r.names, c)
	}
	// The path names the directory the walk ended in.
	cur := r.stack[len(r.stack)-1]
	fi, err := cur.Lstat(".")
	if err != nil {
		return nil, bare(err)
	}
	return &resolved{dir: cur, name: ".", info: fi, logical: strings.Join(r.names, "/")}, nil
}

// inside maps an absolute symlink target to a path relative to the
// allocation directory; false when it lies outside.
func (r *resolver) inside(target string) (string, bool) {
	t := filepath.Clean(target)
	bases := []string{r.base}
	if real, err := filepath.EvalSymlinks(r.base); err == nil && real != r.base {
		bases = append(bases, real)
	}
	for _, b := range bases {
		if within(b, t) {
			rel, err := filepath.Rel(b, t)
			return rel, err == nil
		}
	}
	return "", false
}

// closeFrom closes stack[i:].
func (r *resolver) closeFrom(i int) {
	for _, s := range r.stack[i:] {
		s.Close()
	}
}

// isSecrets reports whether entry name under the logical directory dir is
// a task's secrets directory: <task>/secrets. Only the agent creates the
// allocation directory's top level, so every top-level directory's
// secrets/ is refused; the shared alloc/ never has one.
func isSecrets(dir []string, name string) bool {
	return len(dir) == 1 && name == SecretsDirName
}

func secretsErr(logical string) error {
	task, _, _ := strings.Cut(logical, "/")
	return fmt.Errorf("%w: the path leads to %q, the secrets directory of task %q", ErrSecrets, logical, task)
}

// sameFile checks that name in dir (just opened by the caller) is the
// file that was seen as want, so a task swapping it meanwhile is caught.
func sameFile(want fs.FileInfo, dir *os.Root, name string) error {
	got, err := dir.Lstat(name)
	if err != nil {
		return bare(err)
	}
	if !os.SameFile(want, got) {
		return ErrChanged
	}
	return nil
}

// bare strips the path-bearing wrappers of the os package off err, so
// that no host path (os.Root's errors name the root's host directory in
// some paths) reaches a caller; what remains is an errno or a sentinel.
func bare(err error) error {
	for {
		var pe *fs.PathError
		var le *os.LinkError
		var se *os.SyscallError
		switch {
		case errors.As(err, &pe):
			err = pe.Err
		case errors.As(err, &le):
			err = le.Err
		case errors.As(err, &se):
			err = se.Err
		default:
			return err
		}
	}
}
