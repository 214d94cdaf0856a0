//go:build linux || darwin || freebsd

package fingerprint

import "syscall"

func sysStatfs(path string) (DiskUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return DiskUsage{}, err
	}
	bsize := uint64(st.Bsize)
	return DiskUsage{TotalBytes: uint64(st.Blocks) * bsize, FreeBytes: uint64(st.Bavail) * bsize}, nil
}
