package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// createNetNS makes a new network namespace and pins it by bind-mounting
// it on path, which must not exist. The namespace is made on a locked OS
// thread of a goroutine of its own; the thread returns to its original
// namespace afterwards, and if it cannot, it is left locked so the Go
// runtime ends it with the goroutine instead of reusing it.
func createNetNS(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", path, err)
	}
	f.Close()

	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restored, err := pinNewNetNS(path)
		if restored {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// pinNewNetNS runs on a locked thread; restored reports whether the thread
// is back in its original namespace.
func pinNewNetNS(path string) (restored bool, err error) {
	self := filepath.Join("/proc/self/task", strconv.Itoa(unix.Gettid()), "ns/net")
	orig, err := unix.Open(self, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("open current netns %s: %w", self, err)
	}
	defer unix.Close(orig)

	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("unshare network namespace (needs CAP_SYS_ADMIN): %w", err)
	}
	mountErr := unix.Mount(self, path, "none", unix.MS_BIND, "")
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		if mountErr == nil {
			_ = unix.Unmount(path, unix.MNT_DETACH)
		}
		return false, fmt.Errorf("return to the original network namespace: %w", err)
	}
	if mountErr != nil {
		return true, fmt.Errorf("bind-mount new netns on %s: %w", path, mountErr)
	}
	return true, nil
}

// isNetNS reports whether path is a pinned network namespace.
func isNetNS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// removeNetNS unpins and removes the netns file at path; a missing file is
// not an error.
func removeNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil &&
		!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove netns file %s: %w", path, err)
	}
	return nil
}
