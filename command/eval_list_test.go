package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestEvalList(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	f.addEval(&api.Evaluation{ID: "cccccccc-0000-0000-0000-000000000000", Namespace: "default", Priority: 70, TriggeredBy: "node-update",
		JobID: "cache", NodeID: "n1n2n3n4-0000-0000-0000-000000000000", Status: api.EvalStatusComplete, CreateIndex: 30, ModifyIndex: 31})

	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	want := formatList([]string{
		"ID|Priority|Triggered By|Job ID|Namespace|Node ID|Status|Placement Failures",
		"cccccccc|70|node-update|cache|default|n1n2n3n4|complete|false",
		"bbbbbbbb|50|queued-allocs|web|default|<none>|blocked|false",
		"aaaaaaaa|50|job-register|web|default|<none>|complete|true",
	})
	if got := strings.TrimSpace(ui.OutputWriter.String()); got != want {
		t.Fatalf("output =\n%s\nwant\n%s", got, want)
	}

	for _, c := range []struct {
		args    []string
		want    []string
		request string
	}{
		{[]string{"-job=web"}, []string{"bbbbbbbb", "aaaaaaaa"}, "GET /v1/job/web/evaluations"},
		{[]string{"-status=complete"}, []string{"cccccccc", "aaaaaaaa"}, "GET /v1/evaluations"},
		{[]string{"-job=web", "-status=blocked"}, []string{"bbbbbbbb"}, "GET /v1/job/web/evaluations"},
	} {
		meta, ui, _ = testMeta(t)
		if code := (&EvalListCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, c.args...)); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, ui.ErrorWriter.String())
		}
		var ids []string
		for _, line := range strings.Split(strings.TrimSpace(ui.OutputWriter.String()), "\n")[1:] {
			ids = append(ids, strings.Fields(line)[0])
		}
		if strings.Join(ids, ",") != strings.Join(c.want, ",") {
			t.Errorf("%v: listed %v, want %v", c.args, ids, c.want)
		}
		if !containsRequest(f, c.request) {
			t.Errorf("%v: no %s in %v", c.args, c.request, f.requests)
		}
	}
}

func TestEvalListJSONAndEmpty(t *testing.T) {
	meta, ui, clock := testMeta(t)
	f := evalAgent(t, clock.Now())
	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "-status=blocked"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var got []*api.Evaluation
	if err := json.Unmarshal([]byte(ui.OutputWriter.String()), &got); err != nil || len(got) != 1 || got[0].ID != blockedEvalID {
		t.Fatalf("json = %s (%v)", ui.OutputWriter.String(), err)
	}

	meta, ui, _ = testMeta(t)
	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "-job=nope"}); code != 0 || strings.TrimSpace(ui.OutputWriter.String()) != "[]" {
		t.Fatalf("exit %d, json %q; want []", code, ui.OutputWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-status=failed"}); code != 0 || strings.TrimSpace(ui.OutputWriter.String()) != "No evaluations found" {
		t.Fatalf("exit %d, output %q", code, ui.OutputWriter.String())
	}
}

func TestEvalListUsageErrors(t *testing.T) {
	meta, ui, _ := testMeta(t)
	f := newFakeAgent(t)
	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-status=done"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), `-status "done" is not an evaluation status; accepted: blocked, pending, complete, failed, canceled`) {
		t.Fatalf("exit %d, stderr %s", code, ui.ErrorWriter.String())
	}
	meta, ui, _ = testMeta(t)
	if code := (&EvalListCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "extra"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "This command takes no arguments; got 1: extra") {
		t.Fatalf("exit %d, stderr %s", code, ui.ErrorWriter.String())
	}
	if len(f.requests) != 0 {
		t.Fatalf("usage errors reached the agent: %v", f.requests)
	}
}
