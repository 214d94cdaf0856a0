package command

import (
	"strings"
	"testing"
)

func TestAllocStop(t *testing.T) {
	f := newFakeAllocAgent(t, testAlloc("aa000000-1111", "web"))
	run := func(args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		code := (&AllocStopCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}
	if code, out, errOut := run("-detach", "aa00"); code != 0 || strings.TrimSpace(out) != "eval-stop-1" {
		t.Fatalf("detach: %d %q %q", code, out, errOut)
	}
	if m := f.allocs["aa000000-1111"].DesiredTransition.Migrate; m == nil || !*m {
		t.Fatal("allocation not marked for migration")
	}
	code, out, errOut := run("-no-shutdown-delay", "aa00")
	if code != 0 || !strings.Contains(out, "eval-sto") || !strings.Contains(out, `finished with status "complete"`) {
		t.Fatalf("monitor: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(strings.Join(f.requests, "\n"), "PUT /v1/allocation/aa000000-1111/stop?no_shutdown_delay=true") {
		t.Fatalf("requests: %v", f.requests)
	}
	if code, _, errOut := run("zz99"); code != 1 || !strings.Contains(errOut, "No allocation(s)") {
		t.Fatalf("missing: %d %q", code, errOut)
	}
}
