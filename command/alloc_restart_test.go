package command

import (
	"strings"
	"testing"
)

func TestAllocRestart(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web", "sidecar"))
	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocRestartCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	if code, out, errOut := run("aa00", "web"); code != 0 || !strings.Contains(out, `Restarted task "web" of allocation "aa000000-1111"`) || f.lastBody() != `{"TaskName":"web"}` {
		t.Fatalf("restart web: %d %q %q body %s", code, out, errOut, f.lastBody())
	}
	if code, out, _ := run("-all-tasks", "aa000000-1111"); code != 0 || !strings.Contains(out, "Restarted the running tasks") || f.lastBody() != `{"TaskName":""}` {
		t.Fatalf("restart all: %d %q body %s", code, out, f.lastBody())
	}
	if code, _, errOut := run("aa00", "db"); code != 1 || !strings.Contains(errOut, `Task "db" is not in allocation`) {
		t.Fatalf("bad task: %d %q", code, errOut)
	}
	if code, _, errOut := run("-all-tasks", "aa00", "web"); code != 1 || !strings.Contains(errOut, "exclusive") {
		t.Fatalf("-all-tasks with task: %d %q", code, errOut)
	}
	if code, _, errOut := run("-address="+deadAddress(t), "aa00"); code != 1 || !strings.Contains(errOut, "Is a nomadish agent running") {
		t.Fatalf("dead agent: %d %q", code, errOut)
	}
}
