package runtimespec

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Errno values the default profile returns.
const (
	errnoEPERM  = 1
	errnoENOSYS = 38
)

// cloneNewUser is CLONE_NEWUSER, the clone(2) flag the default profile
// refuses (a new user namespace is the door to most of the kernel's
// namespaced-root attack surface).
const cloneNewUser = 0x10000000

// deniedSyscalls are the system calls the default seccomp profile answers
// with EPERM, each with the capability whose presence in the task's set lifts
// the refusal ("" for never). Everything else is allowed: the profile is a
// denylist, so a program that uses a system call newer than this list still
// runs, and what is refused is what no ordinary workload needs: changing
// the kernel (modules, kexec, reboot, swap, clock, accounting), mounting and
// namespace games, kernel keyrings, BPF and perf, tracing other processes,
// io_uring (which bypasses this filter), userfaultfd, and handle-based opens.
var deniedSyscalls = map[string]string{
	"acct":              "CAP_SYS_PACCT",
	"add_key":           "",
	"adjtimex":          "CAP_SYS_TIME",
	"bpf":               "",
	"clock_adjtime":     "CAP_SYS_TIME",
	"clock_settime":     "CAP_SYS_TIME",
	"create_module":     "",
	"delete_module":     "CAP_SYS_MODULE",
	"finit_module":      "CAP_SYS_MODULE",
	"fsconfig":          "CAP_SYS_ADMIN",
	"fsmount":           "CAP_SYS_ADMIN",
	"fsopen":            "CAP_SYS_ADMIN",
	"fspick":            "CAP_SYS_ADMIN",
	"get_kernel_syms":   "",
	"get_mempolicy":     "CAP_SYS_NICE",
	"init_module":       "CAP_SYS_MODULE",
	"io_uring_enter":    "",
	"io_uring_register": "",
	"io_uring_setup":    "",
	"ioperm":            "CAP_SYS_RAWIO",
	"iopl":              "CAP_SYS_RAWIO",
	"kcmp":              "CAP_SYS_PTRACE",
	"kexec_file_load":   "CAP_SYS_BOOT",
	"kexec_load":        "CAP_SYS_BOOT",
	"keyctl":            "",
	"lookup_dcookie":    "CAP_SYS_ADMIN",
	"mbind":             "CAP_SYS_NICE",
	"mount":             "CAP_SYS_ADMIN",
	"mount_setattr":     "CAP_SYS_ADMIN",
	"move_mount":        "CAP_SYS_ADMIN",
	"move_pages":        "CAP_SYS_NICE",
	"name_to_handle_at": "CAP_DAC_READ_SEARCH",
	"nfsservctl":        "",
	"open_by_handle_at": "CAP_DAC_READ_SEARCH",
	"open_tree":         "CAP_SYS_ADMIN",
	"perf_event_open":   "CAP_PERFMON",
	"pivot_root":        "CAP_SYS_ADMIN",
	"process_vm_readv":  "CAP_SYS_PTRACE",
	"process_vm_writev": "CAP_SYS_PTRACE",
	"ptrace":            "CAP_SYS_PTRACE",
	"query_module":      "",
	"quotactl":          "CAP_SYS_ADMIN",
	"reboot":            "CAP_SYS_BOOT",
	"request_key":       "",
	"set_mempolicy":     "CAP_SYS_NICE",
	"setns":             "CAP_SYS_ADMIN",
	"settimeofday":      "CAP_SYS_TIME",
	"swapoff":           "CAP_SYS_ADMIN",
	"swapon":            "CAP_SYS_ADMIN",
	"syslog":            "CAP_SYSLOG",
	"umount2":           "CAP_SYS_ADMIN",
	"unshare":           "CAP_SYS_ADMIN",
	"uselib":            "",
	"userfaultfd":       "",
	"vhangup":           "CAP_SYS_TTY_CONFIG",
}

// DefaultSeccomp returns the default seccomp profile for a task whose
// capability set is caps: every system call is allowed except those of
// deniedSyscalls (EPERM) whose lifting capability is not in caps, clone with
// CLONE_NEWUSER (EPERM) unless caps holds SYS_ADMIN, and clone3 (ENOSYS, so
// the C library falls back to clone, whose flags the filter can see).
// The filter covers the native architecture and the 32-bit ones the kernel
// also runs on it.
func DefaultSeccomp(caps []string) *specs.LinuxSeccomp {
	have := map[string]bool{}
	for _, c := range caps {
		have[c] = true
	}
	var names []string
	for name, lift := range deniedSyscalls {
		if lift == "" || !have[lift] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	eperm, enosys := uint(errnoEPERM), uint(errnoENOSYS)
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: seccompArches(runtime.GOARCH),
		Syscalls: []specs.LinuxSyscall{{
			Names:    names,
			Action:   specs.ActErrno,
			ErrnoRet: &eperm,
		}},
	}
	if !have["CAP_SYS_ADMIN"] {
		s.Syscalls = append(s.Syscalls,
			specs.LinuxSyscall{
				Names:    []string{"clone"},
				Action:   specs.ActErrno,
				ErrnoRet: &eperm,
				Args: []specs.LinuxSeccompArg{{
					Index: cloneFlagsArg(runtime.GOARCH), Value: cloneNewUser, ValueTwo: cloneNewUser, Op: specs.OpMaskedEqual,
				}},
			},
			specs.LinuxSyscall{
				Names:    []string{"clone3"},
				Action:   specs.ActErrno,
				ErrnoRet: &enosys,
			})
	}
	return s
}

// cloneFlagsArg is the index of clone's flags argument, which s390 moves.
func cloneFlagsArg(goarch string) uint {
	if goarch == "s390x" {
		return 1
	}
	return 0
}

func seccompArches(goarch string) []specs.Arch {
	switch goarch {
	case "amd64":
		return []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}
	case "386":
		return []specs.Arch{specs.ArchX86}
	case "arm64":
		return []specs.Arch{specs.ArchAARCH64, specs.ArchARM}
	case "arm":
		return []specs.Arch{specs.ArchARM}
	case "ppc64le":
		return []specs.Arch{specs.ArchPPC64LE}
	case "s390x":
		return []specs.Arch{specs.ArchS390X, specs.ArchS390}
	case "riscv64":
		return []specs.Arch{specs.ArchRISCV64}
	}
	return nil
}

// maxSeccompFile bounds a seccomp profile file named by the plugin config.
const maxSeccompFile = 1 << 20

// Seccomp returns the profile that Policy.SeccompProfile names for a task
// with capability set caps: DefaultSeccomp for "", nil (no filter) for
// "unconfined", else the OCI LinuxSeccomp object in the JSON file at that
// absolute path.
func Seccomp(profile string, caps []string) (*specs.LinuxSeccomp, error) {
	switch profile {
	case "":
		return DefaultSeccomp(caps), nil
	case "unconfined":
		return nil, nil
	}
	if !filepath.IsAbs(profile) {
		return nil, fmt.Errorf("plugin config: seccomp_profile %q: \"\", \"unconfined\" or the absolute path of a JSON file is expected", profile)
	}
	f, err := os.Open(profile)
	if err != nil {
		return nil, fmt.Errorf("plugin config: seccomp_profile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("plugin config: seccomp_profile: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxSeccompFile {
		return nil, fmt.Errorf("plugin config: seccomp_profile %s: a regular file of at most %d bytes is expected", profile, maxSeccompFile)
	}
	var s specs.LinuxSeccomp
	dec := json.NewDecoder(io.LimitReader(f, maxSeccompFile))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("plugin config: seccomp_profile %s: an OCI runtime-spec linux.seccomp object is expected: %w", profile, err)
	}
	if s.DefaultAction == "" {
		return nil, fmt.Errorf("plugin config: seccomp_profile %s: defaultAction is missing", profile)
	}
	return &s, nil
}
