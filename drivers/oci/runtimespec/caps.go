package runtimespec

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultCaps is the capability set of a task that neither adds nor drops:
// Docker's well-known default set without NET_RAW (no raw sockets, so no
// ARP or ICMP spoofing from a task). SYS_ADMIN is never in it.
var DefaultCaps = []string{
	"CAP_AUDIT_WRITE",
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_MKNOD",
	"CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP",
	"CAP_SETGID",
	"CAP_SETPCAP",
	"CAP_SETUID",
	"CAP_SYS_CHROOT",
}

// allCaps is every capability of capabilities(7) as of Linux 6.x, in number
// order.
var allCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

var knownCaps = func() map[string]bool {
	m := make(map[string]bool, len(allCaps))
	for _, c := range allCaps {
		m[c] = true
	}
	return m
}()

// normalizeCap returns name as CAP_NAME in upper case, or "ALL".
func normalizeCap(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "ALL" {
		return n
	}
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	return n
}

// Capabilities returns the task's capability set: DefaultCaps, less
// cap_drop ("ALL" drops every one), plus cap_add, which is applied after the
// drops (so cap_drop = ["ALL"], cap_add = ["NET_BIND_SERVICE"] leaves just
// that one). Every added capability must be allowed by allow (empty means
// DefaultCaps; "ALL" allows every one). The result is sorted.
func Capabilities(add, drop, allow []string) ([]string, error) {
	allowed := map[string]bool{}
	allowAll := false
	if len(allow) == 0 {
		for _, c := range DefaultCaps {
			allowed[c] = true
		}
	}
	for _, a := range allow {
		n := normalizeCap(a)
		if n == "ALL" {
			allowAll = true
			continue
		}
		if !knownCaps[n] {
			return nil, fmt.Errorf("plugin config: allow_caps: unknown capability %q; names are those of capabilities(7), such as NET_BIND_SERVICE, or ALL", a)
		}
		allowed[n] = true
	}

	set := map[string]bool{}
	for _, c := range DefaultCaps {
		set[c] = true
	}
	for _, d := range drop {
		n := normalizeCap(d)
		if n == "ALL" {
			set = map[string]bool{}
			continue
		}
		if !knownCaps[n] {
			return nil, fmt.Errorf("config: cap_drop: unknown capability %q; names are those of capabilities(7), such as NET_BIND_SERVICE, or ALL", d)
		}
		delete(set, n)
	}
	for _, a := range add {
		n := normalizeCap(a)
		if n == "ALL" {
			if !allowAll {
				return nil, fmt.Errorf("config: cap_add: ALL is not allowed by the plugin's allow_caps (%s)", allowedList(allowed, allowAll))
			}
			for _, c := range allCaps {
				set[c] = true
			}
			continue
		}
		if !knownCaps[n] {
			return nil, fmt.Errorf("config: cap_add: unknown capability %q; names are those of capabilities(7), such as NET_BIND_SERVICE", a)
		}
		if !allowAll && !allowed[n] {
			return nil, fmt.Errorf("config: cap_add: %s is not allowed by the plugin's allow_caps; allowed: %s", strings.TrimPrefix(n, "CAP_"), allowedList(allowed, allowAll))
		}
		set[n] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

func allowedList(allowed map[string]bool, all bool) string {
	if all {
		return "ALL"
	}
	names := make([]string, 0, len(allowed))
	for c := range allowed {
		names = append(names, strings.TrimPrefix(c, "CAP_"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
