package fingerprint

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Memory fingerprints memory.totalbytes and NodeResources.Memory.MemoryMB
// from MemTotal in /proc/meminfo.
type Memory struct{}

// Fingerprint implements Fingerprinter.
func (*Memory) Fingerprint(req *Request, resp *Response) error {
	path := req.path("/proc/meminfo")
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || key != "MemTotal" {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			return fmt.Errorf("%s: MemTotal %q, want \"<n> kB\"", path, strings.TrimSpace(val))
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return fmt.Errorf("%s: MemTotal %q, want a positive number of kB", path, fields[0])
		}
		bytes := kb * 1024
		resp.AddAttribute("memory.totalbytes", strconv.FormatInt(bytes, 10))
		resp.Memory = &structs.NodeMemoryResources{MemoryMB: bytes / (1024 * 1024)}
		resp.Detected = true
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return fmt.Errorf("%s: no MemTotal line", path)
}
