package hoststats

import (
	"fmt"
	"strconv"
	"strings"
)

// parseUptime reads /proc/uptime ("35502.87 138894.34": seconds up, then
// idle seconds summed over cores) into whole seconds up.
func parseUptime(b []byte) (uint64, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("empty: want seconds since boot")
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil || secs < 0 {
		return 0, fmt.Errorf("want seconds since boot, got %q", f[0])
	}
	return uint64(secs), nil
}
