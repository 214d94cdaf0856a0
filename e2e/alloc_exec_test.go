//go:build e2e && linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAllocExecOnDevAgent runs `nomadish alloc exec` against a mock task on
// a dev agent: through the CLI, the WebSocket endpoint, the client and the
// driver plugin's ExecTask over gRPC. Stdin reaches the command, its output
// comes back and its exit code becomes the CLI's; the task keeps running.
func TestAllocExecOnDevAgent(t *testing.T) {
	dev := startServer(t, "dev", 0, serverOpts{Dev: true})
	waitForLeader(t, dev)
	send(t, dev, attack{name: "register", method: "PUT", path: "/v1/jobs", body: mockServiceJob("execd", 1), want: 200})
	allocID := waitRunningAlloc(t, dev, "execd")

	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, dev.bin, append([]string{"alloc", "exec"}, args...)...)
		cmd.Env = append(cmd.Environ(), "NOMADISH_ADDR="+dev.httpAddr())
		cmd.Stdin = strings.NewReader(stdin)
		cmd.WaitDelay = 5 * time.Second
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, stdout.String(), stderr.String()
		case ctx.Err() != nil:
			t.Fatalf("alloc exec %v did not finish within 30s; stderr: %s", args, stderr.String())
		case errors.As(err, &ee):
			return ee.ExitCode(), stdout.String(), stderr.String()
		default:
			t.Fatalf("run alloc exec %v: %v", args, err)
		}
		return 0, "", ""
	}

	if code, out, errOut := run("through the websocket\n", "-task", "t", allocID[:8], "cat"); code != 0 || out != "through the websocket\n" {
		t.Fatalf("alloc exec cat: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := run("", "-i=false", "-job", "execd", "echo", "a", "b"); code != 0 || out != "a b\n" {
		t.Fatalf("alloc exec -job echo: exit %d, stdout %q", code, out)
	}
	if code, _, _ := run("", "-i=false", allocID, "exit", "7"); code != 7 {
		t.Fatalf("alloc exec exit 7: exit %d, want 7", code)
	}
	if code, _, errOut := run("", "-i=false", "-task", "nope", allocID, "echo"); code == 0 || !strings.Contains(errOut, "nope") {
		t.Fatalf("alloc exec with an unknown task: exit %d, stderr %q; want a failure naming the task", code, errOut)
	}
	// The task itself is untouched.
	if id := waitRunningAlloc(t, dev, "execd"); id != allocID {
		t.Fatalf("running allocation %s, want %s still running", id, allocID)
	}
}
