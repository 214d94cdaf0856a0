package hoststats

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// parseMeminfo reads /proc/meminfo ("MemTotal:  16318412 kB" lines).
// Without MemAvailable (kernels before 3.14) Available is estimated as
// free plus buffers plus page cache.
func parseMeminfo(b []byte) (*HostMemoryStats, error) {
	fields := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch key {
		case "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached":
		default:
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "kB") {
			return nil, fmt.Errorf("line %d: %s: want a number of kB, got %q", line, key, strings.TrimSpace(rest))
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: want a number of kB, got %q", line, key, f[0])
		}
		if len(f) == 2 {
			n *= 1024
		}
		fields[key] = n
	}
	for _, k := range []string{"MemTotal", "MemFree"} {
		if _, ok := fields[k]; !ok {
			return nil, fmt.Errorf("no %s line", k)
		}
	}
	m := &HostMemoryStats{Total: fields["MemTotal"], Free: fields["MemFree"]}
	if avail, ok := fields["MemAvailable"]; ok {
		m.Available = avail
	} else {
		m.Available = m.Free + fields["Buffers"] + fields["Cached"]
	}
	if m.Available > m.Total {
		m.Available = m.Total
	}
	m.Used = m.Total - m.Available
	return m, nil
}
