package command

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestJobEvalForceReschedule(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(testJob("web", 1))
	f.evalScript = []string{api.EvalStatusPending, api.EvalStatusComplete}
	meta, ui, _ := testMeta(t)
	if code := (&JobEvalCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-force-reschedule", "web"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if f.bodies[0] != `{"JobID":"web","EvalOptions":{"ForceReschedule":true}}` {
		t.Fatalf("body = %s", f.bodies[0])
	}
	if !strings.Contains(ui.OutputWriter.String(), `finished with status "complete"`) {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestJobEvalUsage(t *testing.T) {
	meta, ui, _ := testMeta(t)
	if code := (&JobEvalCommand{Meta: meta}).Run([]string{"-timeout=0s", "web"}); code != 1 || !strings.Contains(ui.ErrorWriter.String(), "Invalid -timeout") {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
}
