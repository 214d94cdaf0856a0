package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroups are the directories of a container's cgroup: the unified (v2)
// one and, on a v1 or hybrid host, one per v1 controller.
type cgroups struct {
	V2 string            `json:"v2,omitempty"`
	V1 map[string]string `json:"v1,omitempty"`
}

// cgroupMount is one cgroup file system in mountinfo.
type cgroupMount struct {
	point       string   // where it is mounted
	root        string   // the cgroup path mounted there
	v2          bool     // cgroup2
	controllers []string // v1 controllers (and name=...)
}

// parseCgroupMounts reads the cgroup mounts out of a mountinfo file
// (proc(5)): "id parent maj:min root point options [optional...] - fstype
// source superoptions".
func parseCgroupMounts(mountinfo []byte) []cgroupMount {
	var out []cgroupMount
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f := strings.Fields(pre)
		g := strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		m := cgroupMount{point: unescapeMount(f[4]), root: unescapeMount(f[3])}
		switch g[0] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			for _, opt := range strings.Split(g[2], ",") {
				switch opt {
				case "rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "xattr":
				default:
					m.controllers = append(m.controllers, opt)
				}
			}
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes of space, tab, newline
// and backslash.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// resolveCgroups maps a /proc/<pid>/cgroup file ("id:controllers:path"
// lines) to directories through the mounts.
func resolveCgroups(procCgroup []byte, mounts []cgroupMount) cgroups {
	var cg cgroups
	sc := bufio.NewScanner(bytes.NewReader(procCgroup))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		ctrls, path := parts[1], parts[2]
		if ctrls == "" {
			for _, m := range mounts {
				if m.v2 {
					if dir, ok := joinCgroup(m, path); ok {
						cg.V2 = dir
					}
					break
				}
			}
			continue
		}
		for _, m := range mounts {
			if m.v2 || !sameControllers(m.controllers, strings.Split(ctrls, ",")) {
				continue
			}
			dir, ok := joinCgroup(m, path)
			if !ok {
				break
			}
			if cg.V1 == nil {
				cg.V1 = map[string]string{}
			}
			for _, c := range m.controllers {
				cg.V1[strings.TrimPrefix(c, "name=")] = dir
			}
			break
		}
	}
	return cg
}

// joinCgroup is the directory of cgroup path under mount m; false when
// the path lies outside what is mounted there.
func joinCgroup(m cgroupMount, path string) (string, bool) {
	path = filepath.Clean("/" + path)
	root := filepath.Clean("/" + m.root)
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return filepath.Join(m.point, rel), true
}

func sameControllers(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, c := range a {
		seen[c] = true
	}
	for _, c := range b {
		if !seen[c] {
			return false
		}
	}
	return true
}

// cgroupsOf finds the cgroups of a running pid.
func cgroupsOf(pid int) (cgroups, error) {
	mi, err := readBounded("/proc/self/mountinfo", 4<<20)
	if err != nil {
		return cgroups{}, fmt.Errorf("read mountinfo: %w", err)
	}
	pc, err := readBounded("/proc/"+strconv.Itoa(pid)+"/cgroup", 1<<16)
	if err != nil {
		return cgroups{}, fmt.Errorf("read cgroup of pid %d: %w", pid, err)
	}
	return resolveCgroups(pc, parseCgroupMounts(mi)), nil
}

// v2Has says whether the unified cgroup dir holds controller files
// (controllers enabled on a pure v2 host, not the empty unified
// hierarchy of a hybrid one).
func (c cgroups) v2Has(file string) bool {
	if c.V2 == "" {
		return false
	}
	_, err := readBounded(filepath.Join(c.V2, file), 1<<16)
	return err == nil
}

// oomKills is how many processes the OOM killer killed in the cgroup:
// oom_kill in memory.events (v2) or memory.oom_control (v1).
func (c cgroups) oomKills() (uint64, error) {
	if c.v2Has("memory.events") {
		return readKey(filepath.Join(c.V2, "memory.events"), "oom_kill")
	}
	if dir := c.V1["memory"]; dir != "" {
		return readKey(filepath.Join(dir, "memory.oom_control"), "oom_kill")
	}
	return 0, fmt.Errorf("no memory cgroup found for the container")
}

// readKey reads the value of key in a flat-keyed cgroup file ("key
// value" lines).
func readKey(path, key string) (uint64, error) {
	kv, err := readKeyed(path)
	if err != nil {
		return 0, err
	}
	v, ok := kv[key]
	if !ok {
		return 0, fmt.Errorf("%s has no %q", path, key)
	}
	return v, nil
}

func readKeyed(path string) (map[string]uint64, error) {
	data, err := readBounded(path, 1<<16)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, nil
}

// readUint reads a file holding one number ("max" reads as 0).
func readUint(path string) (uint64, error) {
	data, err := readBounded(path, 256)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}
