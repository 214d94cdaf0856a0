package command

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func parameterizedJob() *api.Job {
	job := testJob("batch", 1)
	job.Type = api.JobTypeBatch
	job.ParameterizedJob = &api.ParameterizedJobConfig{Payload: "optional", MetaRequired: []string{"k"}}
	return job
}

func TestJobDispatchFromStdin(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(parameterizedJob())
	meta, ui, _ := testMeta(t)
	meta.stdin = strings.NewReader("hello payload")
	code := (&JobDispatchCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "-meta", "k=v", "-meta", "x=a=b", "-id-prefix-template", "nightly", "batch", "-"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	var req api.JobDispatchRequest
	if err := json.Unmarshal([]byte(f.bodies[0]), &req); err != nil {
		t.Fatal(err)
	}
	if string(req.Payload) != "hello payload" || req.Meta["k"] != "v" || req.Meta["x"] != "a=b" || req.IdPrefixTemplate != "nightly" {
		t.Fatalf("body = %s", f.bodies[0])
	}
	if !strings.Contains(f.bodies[0], base64.StdEncoding.EncodeToString([]byte("hello payload"))) {
		t.Fatalf("payload not base64: %s", f.bodies[0])
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, "Dispatched Job ID = batch/dispatch-1700000000-1a2b3c4d") || !strings.Contains(out, "Evaluation ID     = 00000001-1111-2222-3333-444444444444") {
		t.Fatalf("output = %s", out)
	}
}

func TestJobDispatchMonitorsChild(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(parameterizedJob())
	meta, ui, _ := testMeta(t)
	path := writeJobFile(t, "input.txt", "data")
	if code := (&JobDispatchCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-timeout=1s", "batch", path}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, `==> Monitoring evaluation "00000001"`) || !strings.Contains(out, "nomadish job status batch/dispatch-1700000000-1a2b3c4d") {
		t.Fatalf("output = %s", out)
	}
}

func TestJobDispatchPayloadLimit(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(parameterizedJob())
	meta, ui, _ := testMeta(t)
	meta.stdin = strings.NewReader(strings.Repeat("x", api.DispatchPayloadLimit+1))
	if code := (&JobDispatchCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "batch", "-"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), "larger than the limit of 16384 bytes") {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
	if len(f.bodies) != 0 {
		t.Fatalf("an oversized payload was sent")
	}

	meta, _, _ = testMeta(t)
	meta.stdin = strings.NewReader(strings.Repeat("x", api.DispatchPayloadLimit))
	if code := (&JobDispatchCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-detach", "batch", "-"}); code != 0 {
		t.Fatalf("a payload of exactly the limit: exit %d", code)
	}
}

func TestJobDispatchErrors(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(parameterizedJob())
	f.addJob(testJob("web", 1))
	cases := map[string][]string{
		`Invalid -meta "novalue": want key=value`: {"-address=" + f.URL, "-meta", "novalue", "batch"},
		`Job "web" is not a parameterized job`:    {"-address=" + f.URL, "web"},
		"no such file or directory":               {"-address=" + f.URL, "batch", "/nonexistent/input"},
	}
	for want, args := range cases {
		meta, ui, _ := testMeta(t)
		if code := (&JobDispatchCommand{Meta: meta}).Run(args); code != 1 || !strings.Contains(ui.ErrorWriter.String(), want) {
			t.Errorf("args %v: exit %d, stderr %s", args, code, ui.ErrorWriter.String())
		}
	}
}
