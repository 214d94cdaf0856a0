package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Host fingerprints the operating system and kernel: os.name and os.version
// (ID and VERSION_ID of /etc/os-release), kernel.name, kernel.version
// (/proc/sys/kernel/osrelease), kernel.arch when the kernel tells
// (/proc/sys/kernel/arch), and unique.hostname.
type Host struct{}

// Fingerprint implements Fingerprinter.
func (*Host) Fingerprint(req *Request, resp *Response) error {
	var errs []error

	kernel := runtime.GOOS
	if s, err := req.readTrimmed("/proc/sys/kernel/ostype"); err == nil && s != "" {
		kernel = strings.ToLower(s)
	}
	resp.AddAttribute("kernel.name", kernel)

	if v, err := req.readTrimmed("/proc/sys/kernel/osrelease"); err == nil && v != "" {
		resp.AddAttribute("kernel.version", v)
	} else if kernel == "linux" {
		errs = append(errs, fmt.Errorf("kernel version: %w", orEmpty(err, req.path("/proc/sys/kernel/osrelease"))))
	}
	if a, err := req.readTrimmed("/proc/sys/kernel/arch"); err == nil && a != "" {
		resp.AddAttribute("kernel.arch", a)
	}

	if rel, err := readOSRelease(req); err == nil {
		if rel["ID"] != "" {
			resp.AddAttribute("os.name", rel["ID"])
		}
		if rel["VERSION_ID"] != "" {
			resp.AddAttribute("os.version", rel["VERSION_ID"])
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}

	host, err := req.readTrimmed("/proc/sys/kernel/hostname")
	if (err != nil || host == "") && req.realRoot() {
		host, err = os.Hostname()
	}
	if err == nil && host != "" {
		resp.AddAttribute("unique.hostname", host)
	} else {
		errs = append(errs, fmt.Errorf("hostname: %w", orEmpty(err, req.path("/proc/sys/kernel/hostname"))))
	}

	resp.Detected = true
	return errors.Join(errs...)
}

// orEmpty returns err, or an error saying path was empty when err is nil.
func orEmpty(err error, path string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s is empty", path)
}

// readOSRelease parses os-release(5): KEY=value lines, values optionally
// quoted. It reads /etc/os-release, else /usr/lib/os-release.
func readOSRelease(req *Request) (map[string]string, error) {
	f, err := os.Open(req.path("/etc/os-release"))
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(req.path("/usr/lib/os-release"))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
			if u, err := strconv.Unquote(`"` + v[1:len(v)-1] + `"`); err == nil {
				v = u
			} else {
				v = v[1 : len(v)-1]
			}
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return out, nil
}
