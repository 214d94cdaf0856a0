//go:build !(linux || darwin || freebsd)

package fingerprint

import (
	"errors"
	"runtime"
)

func sysStatfs(string) (DiskUsage, error) {
	return DiskUsage{}, errors.New("statfs is not supported on " + runtime.GOOS)
}
