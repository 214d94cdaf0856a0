package artifact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nomadish/nomadish/client/allocdir"
)

// maxEntries bounds the entries of one archive, so a flood of empty files
// cannot exhaust inodes while staying under MaxBytes.
const maxEntries = 100000

// maxSymlinkTarget bounds a zip symlink's target (stored as file data).
const maxSymlinkTarget = 4096

// writer creates the files of one artifact, each confined to a directory
// and all of them together bounded in size.
type writer struct {
	root      string // the task directory, symlinks resolved
	remaining int64  // bytes still allowed
	entries   int
}

// entry counts one archive entry against maxEntries.
func (w *writer) entry() error {
	w.entries++
	if w.entries > maxEntries {
		return fmt.Errorf("%w: more than %d entries", ErrTooLarge, maxEntries)
	}
	return nil
}

// mkdir creates the directory name inside dest.
func (w *writer) mkdir(dest, name string, perm fs.FileMode) error {
	p, err := allocdir.SecureJoin(dest, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p, perm.Perm()|0o700); err != nil {
		return fmt.Errorf("create directory %q: %w", name, err)
	}
	return nil
}

// file writes r as the regular file name inside dest, replacing a file or
// symlink already there.
func (w *writer) file(dest, name string, r io.Reader, perm fs.FileMode) error {
	p, err := w.prepare(dest, name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|openNoFollow, perm.Perm()|0o600)
	if err != nil {
		return fmt.Errorf("create %q: %w", name, err)
	}
	n, err := io.Copy(f, io.LimitReader(r, w.remaining+1))
	w.remaining -= n
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q: %w", name, err)
	}
	if w.remaining < 0 {
		return fmt.Errorf("%w: unpacked files exceed the limit (at %q)", ErrTooLarge, name)
	}
	return nil
}

// symlink creates name inside dest pointing at target, which must be
// relative, use ".." only as a prefix, and resolve inside dest from the
// link's real directory. Directories are never replaced by symlinks
// (prepare refuses), so the directory a link was checked in stays the one
// it resolves from.
func (w *writer) symlink(dest, name, target string) error {
	if target == "" || strings.ContainsRune(target, 0) {
		return fmt.Errorf("symlink %q: %w: empty or NUL target", name, ErrInvalid)
	}
	if filepath.IsAbs(target) || strings.HasPrefix(target, "/") || strings.HasPrefix(target, `\`) {
		return fmt.Errorf("symlink %q -> %q: absolute target: %w", name, target, allocdir.ErrEscapes)
	}
	if !safeLinkTarget(target) {
		return fmt.Errorf("symlink %q -> %q: \"..\" after a name: %w", name, target, allocdir.ErrEscapes)
	}
	at, err := allocdir.SecureJoin(dest, name)
	if err != nil {
		return err
	}
	resolved := filepath.Join(filepath.Dir(at), target)
	if !within(dest, resolved) {
		return fmt.Errorf("symlink %q -> %q: %w", name, target, allocdir.ErrEscapes)
	}
	rel, err := filepath.Rel(dest, resolved)
	if err != nil {
		return fmt.Errorf("symlink %q -> %q: %w", name, target, err)
	}
	if _, err := allocdir.SecureJoin(dest, rel); err != nil {
		return fmt.Errorf("symlink %q -> %q: %w", name, target, err)
	}
	p, err := w.prepare(dest, name)
	if err != nil {
		return err
	}
	if err := os.Symlink(target, p); err != nil {
		return fmt.Errorf("create symlink %q: %w", name, err)
	}
	return nil
}

// hardlink copies the regular file target (an earlier entry) to name:
// a copy rather than a link, so nothing can tie the task's files to a
// file elsewhere.
func (w *writer) hardlink(dest, name, target string) error {
	src, err := allocdir.SecureJoin(dest, target)
	if err != nil {
		return fmt.Errorf("hard link %q -> %q: %w", name, target, err)
	}
	f, err := os.OpenFile(src, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		return fmt.Errorf("hard link %q -> %q: %w", name, target, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("hard link %q -> %q: %w", name, target, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("hard link %q -> %q: %w: target is not a regular file", name, target, ErrUnsafeEntry)
	}
	return w.file(dest, name, f, fi.Mode())
}

// prepare confines name to dest, creates its parent directories and
// removes a file or symlink already at its place.
func (w *writer) prepare(dest, name string) (string, error) {
	p, err := allocdir.SecureJoin(dest, name)
	if err != nil {
		return "", err
	}
	if p == dest {
		return "", fmt.Errorf("%w: entry %q names the destination directory itself", ErrInvalid, name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("create directory for %q: %w", name, err)
	}
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("%q: %w", name, err)
	case fi.IsDir():
		return "", fmt.Errorf("%w: %q is an existing directory", ErrInvalid, name)
	default:
		if err := os.Remove(p); err != nil {
			return "", fmt.Errorf("replace %q: %w", name, err)
		}
	}
	return p, nil
}

// place moves the fetched temporary file to p (already confined), mode
// 0644.
func (w *writer) place(tmp *os.File, p string) error {
	rel, err := filepath.Rel(w.root, p)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	p, err = w.prepare(w.root, rel)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	return nil
}
