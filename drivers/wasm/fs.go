package wasm

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// confinedFS is a host directory as a module's file system. wazero's own
// directory mount refuses ".." above the mount but follows symlinks
// wherever they lead; confinedFS resolves every path with resolveInside
// first, so a symlink pointing outside the directory (one the module made
// itself, say) is refused with EPERM instead of followed.
type confinedFS struct {
	experimentalsys.FS
	root string
}

// newConfinedFS mounts the host directory root, read-only if ro.
func newConfinedFS(root string, ro bool) experimentalsys.FS {
	var f experimentalsys.FS = &confinedFS{FS: sysfs.DirFS(root), root: root}
	if ro {
		f = &sysfs.ReadFS{FS: f}
	}
	return f
}

// resolve returns p as a path relative to the root with every symlink on
// the way resolved inside the root.
func (c *confinedFS) resolve(p string, followLast bool) (string, experimentalsys.Errno) {
	p = strings.TrimPrefix(p, "/")
	if p == "" || p == "." {
		return ".", 0
	}
	host, err := resolveInside(c.root, p, followLast)
	if err != nil {
		if errors.Is(err, ErrEscapes) {
			return "", experimentalsys.EPERM
		}
		return "", experimentalsys.UnwrapOSError(err)
	}
	rel, err := filepath.Rel(c.root, host)
	if err != nil {
		return "", experimentalsys.EPERM
	}
	return filepath.ToSlash(rel), 0
}

func (c *confinedFS) OpenFile(p string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	rel, errno := c.resolve(p, flag&experimentalsys.O_NOFOLLOW == 0)
	if errno != 0 {
		return nil, errno
	}
	return c.FS.OpenFile(rel, flag, perm)
}

func (c *confinedFS) Lstat(p string) (sys.Stat_t, experimentalsys.Errno) {
	rel, errno := c.resolve(p, false)
	if errno != 0 {
		return sys.Stat_t{}, errno
	}
	return c.FS.Lstat(rel)
}

func (c *confinedFS) Stat(p string) (sys.Stat_t, experimentalsys.Errno) {
	rel, errno := c.resolve(p, true)
	if errno != 0 {
		return sys.Stat_t{}, errno
	}
	return c.FS.Stat(rel)
}

func (c *confinedFS) Mkdir(p string, perm fs.FileMode) experimentalsys.Errno {
	rel, errno := c.resolve(p, false)
	if errno != 0 {
		return errno
	}
	return c.FS.Mkdir(rel, perm)
}

func (c *confinedFS) Chmod(p string, perm fs.FileMode) experimentalsys.Errno {
	rel, errno := c.resolve(p, true)
	if errno != 0 {
		return errno
	}
	return c.FS.Chmod(rel, perm)
}

func (c *confinedFS) Rename(from, to string) experimentalsys.Errno {
	relFrom, errno := c.resolve(from, false)
	if errno != 0 {
		return errno
	}
	relTo, errno := c.resolve(to, false)
	if errno != 0 {
		return errno
	}
	return c.FS.Rename(relFrom, relTo)
}

func (c *confinedFS) Rmdir(p string) experimentalsys.Errno {
	rel, errno := c.resolve(p, false)
	if errno != 0 {
		return errno
	}
	return c.FS.Rmdir(rel)
}

func (c *confinedFS) Unlink(p string) experimentalsys.Errno {
	rel, errno := c.resolve(p, false)
	if errno != 0 {
		return errno
	}
	return c.FS.Unlink(rel)
}

func (c *confinedFS) Link(oldPath, newPath string) experimentalsys.Errno {
	relOld, errno := c.resolve(oldPath, false)
	if errno != 0 {
		return errno
	}
	relNew, errno := c.resolve(newPath, false)
	if errno != 0 {
		return errno
	}
	return c.FS.Link(relOld, relNew)
}

// Symlink refuses a link whose target is absolute or climbs out of the
// root from where the link would be.
func (c *confinedFS) Symlink(target, link string) experimentalsys.Errno {
	rel, errno := c.resolve(link, false)
	if errno != 0 {
		return errno
	}
	if path.IsAbs(target) {
		return experimentalsys.EPERM
	}
	if t := path.Clean(path.Join(path.Dir(rel), target)); t == ".." || strings.HasPrefix(t, "../") {
		return experimentalsys.EPERM
	}
	return c.FS.Symlink(target, rel)
}

func (c *confinedFS) Readlink(p string) (string, experimentalsys.Errno) {
	rel, errno := c.resolve(p, false)
	if errno != 0 {
		return "", errno
	}
	return c.FS.Readlink(rel)
}

func (c *confinedFS) Utimens(p string, atim, mtim int64) experimentalsys.Errno {
	rel, errno := c.resolve(p, true)
	if errno != 0 {
		return errno
	}
	return c.FS.Utimens(rel, atim, mtim)
}
