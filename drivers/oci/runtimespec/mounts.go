package runtimespec

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Tmpfs sizes of the task's tmpfs mount blocks.
const (
	DefaultTmpfsMB = 64
	// MaxTmpfsMB bounds a tmpfs mount when the task has no memory limit;
	// with one, the limit is the bound (tmpfs pages count against it).
	MaxTmpfsMB = 1024
)

// reservedTargets are container paths a task's mount block may not cover or
// mount under: the kernel's file systems and the paths the driver mounts.
var reservedTargets = []string{"/proc", "/sys", "/dev", "/local", "/secrets", "/alloc"}

// reservedFiles are container paths a task's mount block may not be, but may
// sit beside.
var reservedFiles = []string{"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"}

// systemMounts returns the kernel file systems every container gets. With
// privileged, /sys and the cgroup file system are writable.
func systemMounts(privileged bool) []specs.Mount {
	ro := "ro"
	if privileged {
		ro = "rw"
	}
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", ro}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", ro}},
	}
}

// taskMounts returns the bind mounts of the task's directories and of the
// /etc files the driver wrote. secrets/ is not executable.
func taskMounts(in *Input) []specs.Mount {
	var out []specs.Mount
	bind := func(src, dst string, opts ...string) {
		if src == "" {
			return
		}
		out = append(out, specs.Mount{Destination: dst, Type: "bind", Source: src,
			Options: append([]string{"rbind", "rprivate", "nosuid", "nodev"}, opts...)})
	}
	bind(in.AllocDir, "/alloc")
	bind(in.LocalDir, "/local")
	bind(in.SecretsDir, "/secrets", "noexec")
	bind(in.HostsPath, "/etc/hosts", "noexec", "ro")
	bind(in.ResolvConfPath, "/etc/resolv.conf", "noexec", "ro")
	bind(in.HostnamePath, "/etc/hostname", "noexec", "ro")
	return out
}

// userMounts checks the task's mount blocks against the policy and returns
// them as spec mounts. memLimitMB bounds tmpfs sizes (0: MaxTmpfsMB).
func userMounts(ms []Mount, pol Policy, memLimitMB int64) ([]specs.Mount, error) {
	var out []specs.Mount
	seen := map[string]int{}
	for i, m := range ms {
		where := fmt.Sprintf("config: mount[%d]", i)
		target, err := checkTarget(m.Target, where)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[target]; dup {
			return nil, fmt.Errorf("%s: target %s is also the target of mount[%d]; each target may be mounted once", where, target, j)
		}
		seen[target] = i
		switch m.Type {
		case "bind":
			src, err := checkBindSource(m.Source, pol, where)
			if err != nil {
				return nil, err
			}
			opts := []string{"rbind", "rprivate", "nosuid", "nodev"}
			if m.Readonly {
				opts = append(opts, "ro")
			}
			out = append(out, specs.Mount{Destination: target, Type: "bind", Source: src, Options: opts})
		case "tmpfs":
			if m.Source != "" {
				return nil, fmt.Errorf("%s: a tmpfs mount takes no source (got %q)", where, m.Source)
			}
			limit := int64(MaxTmpfsMB)
			if memLimitMB > 0 {
				limit = memLimitMB
			}
			size := m.SizeMB
			if size == 0 {
				size = min(DefaultTmpfsMB, limit)
			}
			if size < 0 || size > limit {
				return nil, fmt.Errorf("%s: tmpfs size %d MiB; 1 to %d MiB is accepted (the task's memory limit, or %d without one)", where, m.SizeMB, limit, MaxTmpfsMB)
			}
			opts := []string{"nosuid", "nodev", "mode=1777", fmt.Sprintf("size=%dm", size)}
			if m.Readonly {
				opts = append(opts, "ro")
			}
			out = append(out, specs.Mount{Destination: target, Type: "tmpfs", Source: "tmpfs", Options: opts})
		default:
			return nil, fmt.Errorf("%s: type %q; \"bind\" or \"tmpfs\" is accepted", where, m.Type)
		}
	}
	return out, nil
}

// hostVolumeMounts returns the task's host volumes as bind mounts. Their
// targets follow a mount block's rules and may not repeat one another or a
// target of taken (the task's mount blocks).
func hostVolumeMounts(vs []HostVolume, taken []specs.Mount) ([]specs.Mount, error) {
	seen := map[string]string{}
	for _, m := range taken {
		seen[m.Destination] = "a mount block"
	}
	var out []specs.Mount
	for i, v := range vs {
		where := fmt.Sprintf("volume_mount[%d]", i)
		target, err := checkTarget(v.Target, where)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[target]; dup {
			return nil, fmt.Errorf("%s: target %s is also the target of %s; each target may be mounted once", where, target, other)
		}
		seen[target] = fmt.Sprintf("volume_mount[%d]", i)
		if !filepath.IsAbs(v.Source) || strings.IndexByte(v.Source, 0) >= 0 {
			return nil, fmt.Errorf("%s: host volume path %q: an absolute host path is expected (the client's host_volume path)", where, v.Source)
		}
		opts := []string{"rbind", "rprivate", "nosuid", "nodev"}
		if v.Readonly {
			opts = append(opts, "ro")
		}
		out = append(out, specs.Mount{Destination: target, Type: "bind", Source: filepath.Clean(v.Source), Options: opts})
	}
	return out, nil
}

// byDepth orders mounts so that a mount comes after the mounts of the
// directories above it (a volume at /data before a tmpfs at /data/cache),
// keeping the given order otherwise.
func byDepth(ms []specs.Mount) []specs.Mount {
	sort.SliceStable(ms, func(i, j int) bool {
		return strings.Count(ms[i].Destination, "/") < strings.Count(ms[j].Destination, "/")
	})
	return ms
}

func checkTarget(t, where string) (string, error) {
	if !path.IsAbs(t) || strings.IndexByte(t, 0) >= 0 {
		return "", fmt.Errorf("%s: target %q: an absolute path in the container is expected, such as /data", where, t)
	}
	if path.Clean(t) != t {
		return "", fmt.Errorf("%s: target %q: write it cleaned, as %s", where, t, path.Clean(t))
	}
	if t == "/" {
		return "", fmt.Errorf("%s: target /: a mount cannot replace the container's root", where)
	}
	for _, r := range reservedTargets {
		if t == r || strings.HasPrefix(t, r+"/") {
			return "", fmt.Errorf("%s: target %s: %s is reserved; mount elsewhere, outside %s", where, t, r, strings.Join(reservedTargets, ", "))
		}
	}
	for _, r := range reservedFiles {
		if t == r {
			return "", fmt.Errorf("%s: target %s is provided by the driver and cannot be mounted over", where, t)
		}
	}
	return t, nil
}

// checkBindSource checks that bind mounts are allowed and that src is an
// absolute, clean host path that, with its symbolic links resolved, lies
// under one of the allowed sources. It returns the resolved path, so that
// what is mounted is what was checked.
func checkBindSource(src string, pol Policy, where string) (string, error) {
	if !pol.AllowBindMounts {
		return "", fmt.Errorf("%s: bind mounts are not allowed by the plugin config (allow_bind_mounts); use a tmpfs mount or the task's /local and /alloc", where)
	}
	if len(pol.AllowedBindSources) == 0 {
		return "", fmt.Errorf("%s: bind mounts are allowed but the plugin config lists no bind_mount_sources, so no host path may be mounted", where)
	}
	if !filepath.IsAbs(src) || strings.IndexByte(src, 0) >= 0 {
		return "", fmt.Errorf("%s: source %q: an absolute host path is expected, under one of %s", where, src, strings.Join(pol.AllowedBindSources, ", "))
	}
	if filepath.Clean(src) != src {
		return "", fmt.Errorf("%s: source %q: write it cleaned, as %s", where, src, filepath.Clean(src))
	}
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return "", fmt.Errorf("%s: source %s: %w", where, src, err)
	}
	for _, allowed := range pol.AllowedBindSources {
		a := filepath.Clean(allowed)
		if !filepath.IsAbs(a) {
			continue
		}
		if ra, err := filepath.EvalSymlinks(a); err == nil {
			a = ra
		}
		if under(src, filepath.Clean(allowed)) && under(real, a) {
			return real, nil
		}
	}
	if real != src {
		return "", fmt.Errorf("%s: source %s (which leads to %s) is not under an allowed bind source; allowed: %s", where, src, real, strings.Join(pol.AllowedBindSources, ", "))
	}
	return "", fmt.Errorf("%s: source %s is not under an allowed bind source; allowed: %s", where, src, strings.Join(pol.AllowedBindSources, ", "))
}

// under reports whether p is dir or lies below it.
func under(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
