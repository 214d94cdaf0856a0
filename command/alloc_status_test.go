package command

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

func TestAllocStatus(t *testing.T) {
	a := testAlloc("8b2c4e1f-0000-0000-0000-000000000001", "web", "sidecar")
	ts := func(min int) int64 { return time.Date(2024, 5, 6, 7, min, 0, 0, time.UTC).UnixNano() }
	a.TaskStates["web"].Restarts = 1
	a.TaskStates["web"].Events = []*api.TaskEvent{
		{Type: "Received", Time: ts(55), DisplayMessage: "Task received by client"},
		{Type: "Terminated", Time: ts(57), ExitCode: 2, Message: "exited"},
		{Type: "Restarting", Time: ts(57) + 1, RestartReason: "Restart within policy"},
		{Type: "Started", Time: ts(58), DisplayMessage: "Task started by client"},
	}
	f := newFakeAllocAgent(t, a, testAlloc("8b2c4e1f-0000-0000-0000-000000000002", "web"), testAlloc("77770000-0000", "web"))

	meta, ui, _ := testMeta(t)
	if code := (&AllocStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, a.ID}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{
		"ID                  = 8b2c4e1f-0000-0000-0000-000000000001",
		"Eval ID             = eval-000",
		"Node Name           = client-1",
		"Client Status       = running",
		"Created             = 5m0s ago",
		`Task "web" is "running"`,
		"Total Restarts = 1",
		"Started At     = 2024-05-06T07:58:00Z",
		"Finished At    = N/A",
		`Task "sidecar" is "running"`,
		"Time                  Type        Description\n2024-05-06T07:58:00Z  Started     Task started by client\n2024-05-06T07:57:00Z  Restarting  Restart within policy\n2024-05-06T07:57:00Z  Terminated  exited, Exit Code: 2\n2024-05-06T07:55:00Z  Received    Task received by client",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	// Tasks in job file order.
	if strings.Index(out, `Task "web"`) > strings.Index(out, `Task "sidecar"`) {
		t.Errorf("tasks out of order:\n%s", out)
	}

	meta, ui, _ = testMeta(t)
	if code := (&AllocStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-json", "7777"}); code != 0 || !strings.Contains(ui.OutputWriter.String(), `"ID": "77770000-0000"`) {
		t.Fatalf("json: %d %s %s", code, ui.OutputWriter.String(), ui.ErrorWriter.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"8b2c"}, `Prefix "8b2c" matched multiple allocations`},
		{[]string{"ffff"}, `No allocation(s) with prefix or ID "ffff" found`},
		{[]string{"8"}, "at least two characters"},
		{[]string{}, "This command takes one argument"},
	} {
		meta, ui, _ := testMeta(t)
		if code := (&AllocStatusCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, tc.args...)); code != 1 || !strings.Contains(ui.ErrorWriter.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, ui.ErrorWriter.String(), tc.want)
		}
	}
}

func TestAllocStatus_EventsLimitedUnlessVerbose(t *testing.T) {
	a := testAlloc("aa000000-1111", "web")
	for i := 0; i < 15; i++ {
		a.TaskStates["web"].Events = append(a.TaskStates["web"].Events, &api.TaskEvent{Type: "Signaling", Time: int64(i+1) * 1e9, DisplayMessage: "sig"})
	}
	f := newFakeAllocAgent(t, a)
	meta, ui, _ := testMeta(t)
	(&AllocStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "aa00"})
	if n := strings.Count(ui.OutputWriter.String(), "Signaling"); n != recentEvents {
		t.Fatalf("%d events shown, want %d", n, recentEvents)
	}
	meta, ui, _ = testMeta(t)
	(&AllocStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-verbose", "aa00"})
	if n := strings.Count(ui.OutputWriter.String(), "Signaling"); n != 15 {
		t.Fatalf("verbose: %d events shown", n)
	}
}

func TestAllocStatus_ShortAndStats(t *testing.T) {
	a := testAlloc("aa000000-1111", "web")
	a.TaskStates["web"].Events = []*api.TaskEvent{
		{Type: "Received", Time: 1e9, DisplayMessage: "Task received by client"},
		{Type: "Started", Time: 2e9, DisplayMessage: "Task started by client"},
	}
	f := newFakeAllocAgent(t, a)
	meta, ui, _ := testMeta(t)
	if code := (&AllocStatusCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-short", "-stats", "aa00"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	for _, want := range []string{"Task Resources:\nCPU    Memory RSS  Memory Usage  Max Memory\n12.5%  3.0 MiB     4.0 MiB       5.0 MiB",
		"Task started by client"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Task received by client") || strings.Contains(out, "Total Restarts") {
		t.Errorf("-short shows more than the last event:\n%s", out)
	}
}
