package runtimespec

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrPrivilegedNotAllowed is returned for a privileged task when the plugin
// config does not allow privileged tasks.
var ErrPrivilegedNotAllowed = errors.New("config: privileged is not allowed by the plugin config (allow_privileged); remove it, or add only the capabilities the task needs with cap_add")

// maskedPaths are hidden from the container (bind-mounted over with
// /dev/null or an empty read-only tmpfs); readonlyPaths are remounted
// read-only.
var (
	maskedPaths = []string{
		"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
		"/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
	}
	readonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// SpecVersion is the ociVersion of the specs Build returns. The specs use
// nothing newer than 1.0.2, and crun before 1.9 refuses any version but
// 1.0.x, so they say 1.0.2 rather than the library's specs.Version.
const SpecVersion = "1.0.2"

// Build returns the runtime spec of one task, or an error saying which
// field was refused and what would be accepted.
func Build(in *Input) (*specs.Spec, error) {
	if in == nil {
		return nil, errors.New("runtime spec: no input")
	}
	if in.Rootfs == "" || !filepath.IsAbs(in.Rootfs) {
		return nil, fmt.Errorf("runtime spec: rootfs %q: an absolute host path is expected", in.Rootfs)
	}
	task := in.Task
	if task.Privileged && !in.Policy.AllowPrivileged {
		return nil, ErrPrivilegedNotAllowed
	}

	args, err := Args(in.Image, task)
	if err != nil {
		return nil, err
	}
	env, err := Env(in.Image.Env, in.Env)
	if err != nil {
		return nil, err
	}
	if n := argBytes(args, env); n > maxArgBytes {
		return nil, fmt.Errorf("config: arguments and environment take %d bytes; at most %d are accepted", n, maxArgBytes)
	}
	cwd, err := Cwd(in.Image, task)
	if err != nil {
		return nil, err
	}
	userStr, where := task.User, "config: user"
	if userStr == "" {
		userStr, where = in.Image.User, "image config: User"
	}
	user, err := ResolveUser(in.Rootfs, userStr, where)
	if err != nil {
		return nil, err
	}
	hostname, err := Hostname(task.Hostname, in.ID)
	if err != nil {
		return nil, err
	}

	var caps []string
	if task.Privileged {
		caps = append([]string{}, allCaps...)
	} else if caps, err = Capabilities(task.CapAdd, task.CapDrop, in.Policy.AllowCaps); err != nil {
		return nil, err
	}

	ns, err := Namespaces(task.NetworkMode, in.NetNSPath)
	if err != nil {
		return nil, err
	}
	res, err := Resources(in, task.Privileged)
	if err != nil {
		return nil, err
	}
	memLimit := in.MemoryMaxMB
	if memLimit == 0 {
		memLimit = in.MemoryMB
	}
	extra, err := userMounts(task.Mounts, in.Policy, memLimit)
	if err != nil {
		return nil, err
	}
	vols, err := hostVolumeMounts(in.HostVolumes, extra)
	if err != nil {
		return nil, err
	}
	mounts := append(systemMounts(task.Privileged), taskMounts(in)...)
	mounts = append(mounts, byDepth(append(vols, extra...))...)

	s := &specs.Spec{
		Version:  SpecVersion,
		Hostname: hostname,
		Root:     &specs.Root{Path: in.Rootfs, Readonly: task.ReadonlyRootfs},
		Process: &specs.Process{
			Args: args,
			Env:  env,
			Cwd:  cwd,
			User: user,
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  caps,
				Effective: caps,
				Permitted: caps,
			},
			NoNewPrivileges: !task.Privileged,
		},
		Mounts: mounts,
		Linux: &specs.Linux{
			Namespaces:  ns,
			Resources:   res,
			CgroupsPath: in.CgroupsPath,
			Devices:     devices(),
		},
	}
	if !task.Privileged {
		s.Linux.MaskedPaths = maskedPaths
		s.Linux.ReadonlyPaths = readonlyPaths
		if s.Linux.Seccomp, err = Seccomp(in.Policy.SeccompProfile, caps); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Hostname returns the container's hostname: the task's hostname when set,
// else the first 12 characters of the container ID. It must be a valid DNS
// name (RFC 1123 labels), which is what the kernel's 64-byte limit and
// resolvers accept.
func Hostname(name, id string) (string, error) {
	where := "config: hostname"
	if name == "" {
		name, where = id, "container ID"
		if len(name) > 12 {
			name = name[:12]
		}
	}
	if name == "" {
		return "", nil
	}
	if len(name) > 63 {
		return "", fmt.Errorf("%s %q: %d characters; at most 63 are accepted", where, name, len(name))
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("%s %q: labels between dots are non-empty and neither start nor end with '-'", where, name)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("%s %q: %q is not accepted; letters, digits, '-' and '.' are", where, name, c)
			}
		}
	}
	return name, nil
}
