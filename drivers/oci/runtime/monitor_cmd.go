package runtime

import (
	"os"
	"os/exec"
	"syscall"
)

// monitorCmd is the command that runs a monitor: in a session of its own,
// so no terminal signal or process-group kill aimed at its starter reaches
// it, with no stdin or stdout.
func monitorCmd(path string, args, env []string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}
