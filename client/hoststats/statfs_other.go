//go:build !(linux || darwin || freebsd)

package hoststats

import (
	"errors"
	"fmt"
	"runtime"
)

// errStatfsUnsupported is what statfs answers where the system has no
// statfs: the disk figures are then not measured.
var errStatfsUnsupported = errors.New("statfs is not supported on " + runtime.GOOS)

func statfs(path string) (FSUsage, error) {
	return FSUsage{}, fmt.Errorf("statfs %s: %w", path, errStatfsUnsupported)
}
