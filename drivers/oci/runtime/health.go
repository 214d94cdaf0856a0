package runtime

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Attribute names of the fingerprint.
const (
	AttrRuntime        = "driver.oci.runtime"
	AttrRuntimeVersion = "driver.oci.runtime.version"
	AttrCgroup         = "driver.oci.cgroup"
)

// Health says whether this host can run containers with a runtime.
type Health struct {
	// Healthy is true when nothing is missing.
	Healthy bool
	// Missing lists what the host lacks, each a sentence for the
	// operator, e.g. "not running as root (uid 1000): ...".
	Missing []string
	// Attributes are the fingerprint attributes: the runtime's name and
	// version and the cgroup version, where found.
	Attributes map[string]string
}

// Description is the fingerprint's health description.
func (h Health) Description() string {
	if h.Healthy {
		return "healthy"
	}
	return strings.Join(h.Missing, "; ")
}

// hostProbe is what Check looks at, replaceable in tests.
type hostProbe struct {
	euid       int
	mountinfo  func() ([]byte, error)
	exists     func(path string) bool
	readFile   func(path string) ([]byte, error)
	findBinary func(name string) (name2, path string, err error)
}

func realProbe() hostProbe {
	return hostProbe{
		euid:      os.Geteuid(),
		mountinfo: func() ([]byte, error) { return readBounded("/proc/self/mountinfo", 4<<20) },
		exists: func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		},
		readFile:   func(p string) ([]byte, error) { return readBounded(p, 4096) },
		findBinary: resolveRuntime,
	}
}

// Check looks for runtime (a name or path as in Config.Runtime) and for
// what the kernel needs to run containers: root, cgroups, namespaces. A
// rootless runtime would need user namespaces, which are reported as an
// attribute, not required.
func Check(ctx context.Context, runtime string) Health {
	return check(ctx, runtime, realProbe(), func(ctx context.Context, path string) (string, error) {
		rt := &Runtime{path: path, cfg: Config{CallTimeout: defaultCallTimeout}}
		return rt.Version(ctx)
	})
}

func check(ctx context.Context, runtime string, p hostProbe, version func(context.Context, string) (string, error)) Health {
	h := Health{Attributes: map[string]string{}}
	miss := func(format string, args ...any) { h.Missing = append(h.Missing, fmt.Sprintf(format, args...)) }

	if name, path, err := p.findBinary(runtime); err != nil {
		miss("%v", err)
	} else {
		h.Attributes[AttrRuntime] = name
		if v, err := version(ctx, path); err != nil {
			miss("runtime %s does not answer --version: %v", path, err)
		} else {
			h.Attributes[AttrRuntimeVersion] = v
		}
	}
	if p.euid != 0 {
		miss("not running as root (uid %d): the OCI driver needs root to create namespaces and cgroups", p.euid)
	}
	mi, err := p.mountinfo()
	if err != nil {
		miss("cannot read /proc/self/mountinfo to find cgroups: %v", err)
	} else if v := cgroupVersion(parseCgroupMounts(mi), p.readFile); v == "" {
		miss("no cgroup file system mounted: mount cgroup2 at /sys/fs/cgroup (or the v1 cpu, memory and pids controllers)")
	} else {
		h.Attributes[AttrCgroup] = v
		if h.Attributes[AttrRuntime] == RuntimeCrun {
			if ctrls := hybridV2Controllers(parseCgroupMounts(mi), p.readFile); v == "v1" && ctrls != "" {
				miss("crun cannot run containers here: cgroups are in hybrid mode with controllers (%s) left in the unified hierarchy, which crun refuses; bind them to v1 hierarchies, boot with cgroup v2 only, or use runc", ctrls)
			}
		}
	}
	for _, ns := range []string{"pid", "mnt", "ipc", "uts", "net"} {
		if !p.exists("/proc/self/ns/" + ns) {
			miss("the kernel has no %s namespaces (/proc/self/ns/%s is missing)", ns, ns)
		}
	}
	if data, err := p.readFile("/proc/sys/user/max_user_namespaces"); err == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		h.Attributes["driver.oci.user_namespaces"] = strconv.FormatBool(n > 0)
	}
	h.Healthy = len(h.Missing) == 0
	return h
}

// cgroupVersion is "v2" when the unified hierarchy has the memory
// controller, "v1" when the v1 memory, cpu and pids controllers are
// mounted, "" when neither.
func cgroupVersion(mounts []cgroupMount, readFile func(string) ([]byte, error)) string {
	v1 := map[string]bool{}
	for _, m := range mounts {
		if m.v2 {
			if data, err := readFile(m.point + "/cgroup.controllers"); err == nil && hasWord(string(data), "memory") {
				return "v2"
			}
			continue
		}
		for _, c := range m.controllers {
			v1[c] = true
		}
	}
	if v1["memory"] && v1["cpu"] && v1["pids"] {
		return "v1"
	}
	return ""
}

// hybridV2Controllers lists the controllers of the unified hierarchy of a
// hybrid host ("" when there are none, or the host is not hybrid).
func hybridV2Controllers(mounts []cgroupMount, readFile func(string) ([]byte, error)) string {
	for _, m := range mounts {
		if m.v2 {
			data, err := readFile(m.point + "/cgroup.controllers")
			if err != nil {
				return ""
			}
			return strings.Join(strings.Fields(string(data)), ",")
		}
	}
	return ""
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}
