//go:build e2e && linux

package e2e

import "syscall"

// agentSysProcAttr puts an agent in its own process group, so that cleanup
// can also reach any plugin processes it started, and has the kernel kill it
// if the test binary dies (a `go test -timeout` panic runs no cleanups).
func agentSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
