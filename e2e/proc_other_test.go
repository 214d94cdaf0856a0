//go:build e2e && !linux

package e2e

import "syscall"

// agentSysProcAttr puts an agent in its own process group, so that cleanup
// can also reach any plugin processes it started. Outside Linux there is no
// parent-death signal: agents outlive a test binary killed by -timeout.
func agentSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// straysUnder finds nothing outside Linux, which has no /proc to search.
func straysUnder(dir string) []int { return nil }

// reapContainersUnder has nothing to do outside Linux: no OCI containers.
func reapContainersUnder(dir string) {}
