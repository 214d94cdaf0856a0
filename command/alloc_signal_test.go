package command

import (
	"strings"
	"testing"
)

func TestAllocSignal(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web", "sidecar"))
	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocSignalCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	if code, out, errOut := run("-s", "usr1", "aa00", "web"); code != 0 || !strings.Contains(out, `Sent SIGUSR1 to task "web"`) || f.lastBody() != `{"Signal":"SIGUSR1","Task":"web"}` {
		t.Fatalf("signal: %d %q %q body %s", code, out, errOut, f.lastBody())
	}
	if code, out, _ := run("aa00"); code != 0 || !strings.Contains(out, "Sent SIGKILL to the running tasks") || f.lastBody() != `{"Signal":"SIGKILL","Task":""}` {
		t.Fatalf("default signal: %d %q body %s", code, out, f.lastBody())
	}
	if code, _, errOut := run("-task=db", "aa00"); code != 1 || !strings.Contains(errOut, `Task "db" is not in allocation`) {
		t.Fatalf("bad task: %d %q", code, errOut)
	}
	if code, _, errOut := run("-s", "", "aa00"); code != 1 || !strings.Contains(errOut, "-s must name a signal") {
		t.Fatalf("empty signal: %d %q", code, errOut)
	}
}
