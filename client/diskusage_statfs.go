//go:build linux || darwin || freebsd

package client

import (
	"errors"
	"fmt"
	"syscall"
)

// diskUsage is the percentage of the file system holding path that is in
// use, as df counts it: used blocks over used plus available ones.
func diskUsage(path string) (float64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	used := float64(st.Blocks - st.Bfree)
	avail := float64(st.Bavail)
	if used+avail == 0 {
		return 0, errors.New("statfs " + path + ": the file system reports no blocks")
	}
	return 100 * used / (used + avail), nil
}
