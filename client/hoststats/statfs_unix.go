//go:build linux || darwin || freebsd

package hoststats

import (
	"errors"
	"fmt"
	"syscall"
)

// errStatfsUnsupported is what statfs answers where the system has no
// statfs; never here.
var errStatfsUnsupported = errors.New("statfs is not supported on this system")

// statfs is the statfs system call. The fields' types differ between
// systems, hence the conversions.
func statfs(path string) (FSUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return FSUsage{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	return FSUsage{
		BlockSize: uint64(st.Bsize),
		Blocks:    uint64(st.Blocks),
		Bfree:     uint64(st.Bfree),
		Bavail:    uint64(st.Bavail),
		Files:     uint64(st.Files),
		Ffree:     uint64(st.Ffree),
	}, nil
}
