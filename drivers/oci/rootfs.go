package oci

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The writable layer of a container lives in its bundle directory:
//
//	bundle/rootfs   the container's root: an overlay mount (or a copy)
//	bundle/upper    the overlay's upper directory: what the task wrote
//	bundle/work     the overlay's work directory
//
// The image's unpacked root (or a task's rootfs directory) is the overlay's
// lower directory and is never written to. Where overlayfs cannot be
// mounted (no overlay module, a data_dir on a file system overlay refuses
// as upper, such as another overlay or NFS), the lower tree is copied into
// bundle/rootfs instead: slower to start and using as much disk again as
// the image, but with the same semantics for the task.

// maxOverlayOptions is what the kernel accepts as mount data (a page).
const maxOverlayOptions = 4096

// writableLayer makes bundle/rootfs a writable view of lower: an overlay
// mount, or a copy when forceCopy is set or the mount fails. It reports
// whether the overlay was used.
func writableLayer(bundle, lower string, forceCopy bool) (overlay bool, err error) {
	root := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return false, fmt.Errorf("writable layer: %w", err)
	}
	if !forceCopy {
		err := mountOverlay(bundle, lower)
		if err == nil {
			return true, nil
		}
		// Leave no half-made overlay dirs behind for the copy.
		os.RemoveAll(filepath.Join(bundle, "upper"))
		os.RemoveAll(filepath.Join(bundle, "work"))
	}
	if err := copyTree(lower, root); err != nil {
		return false, fmt.Errorf("writable layer: copy %s: %w", lower, err)
	}
	return false, nil
}

func mountOverlay(bundle, lower string) error {
	upper, work := filepath.Join(bundle, "upper"), filepath.Join(bundle, "work")
	for _, d := range []string{upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, p := range []string{lower, upper, work} {
		// Overlay options separate with ',' and lower layers with ':'.
		if strings.ContainsAny(p, ",:\\") {
			return fmt.Errorf("path %q holds a character overlay options cannot carry", p)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	if len(opts) >= maxOverlayOptions {
		return fmt.Errorf("overlay options are %d bytes; the kernel takes fewer than %d", len(opts), maxOverlayOptions)
	}
	if err := unix.Mount("overlay", filepath.Join(bundle, "rootfs"), "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay: %w", err)
	}
	return nil
}

// removeLayer unmounts bundle/rootfs if it is mounted and removes the
// bundle. It refuses to remove a bundle whose rootfs is still mounted, as
// removing through an overlay would only hide the lower files.
func removeLayer(bundle string) error {
	root := filepath.Join(bundle, "rootfs")
	if err := unix.Unmount(root, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", root, err)
	}
	if err := os.RemoveAll(bundle); err != nil {
		return fmt.Errorf("remove bundle %s: %w", bundle, err)
	}
	return nil
}

// copyTree copies the tree at src into the existing directory dst,
// keeping modes, owners and symlinks as they are (a symlink's target is
// not followed). Only directories, regular files, symlinks and FIFOs are
// copied: the image store never makes anything else.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		mode := fi.Mode()
		switch {
		case mode.IsDir():
			if rel != "." {
				if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
					return err
				}
			}
		case mode.IsRegular():
			if err := copyFile(p, target); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		case mode&fs.ModeNamedPipe != 0:
			if err := unix.Mkfifo(target, 0o600); err != nil {
				return err
			}
		default:
			return nil // sockets, devices: nothing a root file system needs
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
				return err
			}
		}
		if mode&fs.ModeSymlink == 0 {
			// After chown, which clears setuid and setgid bits.
			if err := os.Chmod(target, fsMode(mode)); err != nil {
				return err
			}
		}
		return nil
	})
}

// fsMode carries the permission, setuid, setgid and sticky bits of m.
func fsMode(m fs.FileMode) fs.FileMode {
	return m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
