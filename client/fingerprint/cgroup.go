package fingerprint

import (
	"bufio"
	"errors"
	"github.com/nomadish/nomadish/client/hoststats"
	"os"
	"strings"
)

// Cgroup fingerprints os.cgroups.version ("1" or "2") and
// unique.cgroup.mountpoint. The unified hierarchy (v2) is recognised by
// /sys/fs/cgroup/cgroup.controllers; otherwise the mount table decides:
// a cgroup2 mount means v2, cgroup (v1) controller mounts mean v1. A node
// without cgroups is not detected, which is not an error.
type Cgroup struct{}

const cgroupMount = "/sys/fs/cgroup"

// Fingerprint implements Fingerprinter.
func (*Cgroup) Fingerprint(req *Request, resp *Response) error {
	if _, err := os.Stat(req.path(cgroupMount + "/cgroup.controllers")); err == nil {
		resp.AddAttribute("os.cgroups.version", "2")
		resp.AddAttribute("unique.cgroup.mountpoint", cgroupMount)
		resp.Detected = true
		return nil
	}
	version, mount, err := cgroupFromMounts(req)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if version == "" {
		return nil
	}
	resp.AddAttribute("os.cgroups.version", version)
	resp.AddAttribute("unique.cgroup.mountpoint", mount)
	resp.Detected = true
	return nil
}

// cgroupFromMounts looks for cgroup file systems in the mount table. A
// cgroup2 mount at /sys/fs/cgroup wins; in hybrid mode (v1 controllers with
// v2 at /sys/fs/cgroup/unified) the controllers are on v1, so it says 1.
func cgroupFromMounts(req *Request) (version, mount string, err error) {
	f, err := os.Open(req.path("/proc/self/mounts"))
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(req.path("/proc/mounts"))
	}
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var v1, v2 string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		mp, typ := hoststats.UnescapeMount(fields[1]), fields[2]
		switch {
		case typ == "cgroup2" && (v2 == "" || mp == cgroupMount):
			v2 = mp
		case typ == "cgroup" && v1 == "":
			v1 = mp
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	switch {
	case v2 == cgroupMount:
		return "2", v2, nil
	case v1 != "":
		// v1 controllers are mounted at /sys/fs/cgroup/<controller>.
		return "1", parentDir(v1), nil
	case v2 != "":
		return "2", v2, nil
	}
	return "", "", nil
}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return p
}
