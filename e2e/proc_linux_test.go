//go:build e2e && linux

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// agentSysProcAttr puts an agent in its own process group, so that cleanup
// can also reach any plugin processes it started, and has the kernel kill it
// if the test binary dies (a `go test -timeout` panic runs no cleanups).
func agentSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// straysUnder lists the processes whose command line or environment
// mentions dir: what an agent started under its data dir and left running.
func straysUnder(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if err == nil && bytes.Contains(b, []byte(dir)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// reapContainersUnder removes what an agent's OCI driver leaves once every
// process under dir is killed: containers whose bundle lies under dir (a
// container outlives its agent and monitor by design) and the mounts
// under dir (their writable layers).
func reapContainersUnder(dir string) {
	for _, rt := range []string{"runc", "crun"} {
		out, err := exec.Command(rt, "list", "--format", "json").Output()
		if err != nil {
			continue
		}
		var list []struct {
			ID     string `json:"id"`
			Bundle string `json:"bundle"`
		}
		if json.Unmarshal(out, &list) != nil {
			continue
		}
		for _, c := range list {
			if strings.HasPrefix(c.Bundle, dir+string(filepath.Separator)) {
				_ = exec.Command(rt, "delete", "--force", c.ID).Run()
			}
		}
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+string(filepath.Separator)) {
			points = append(points, f[4])
		}
	}
	// Deepest first, so that nested mounts go before their parents.
	for i := len(points) - 1; i >= 0; i-- {
		_ = syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}
