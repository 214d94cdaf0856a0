package command

import (
	"strings"
	"testing"
)

func TestNodeDrainEnableDetachAndDisable(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"))
	meta, ui, _ := testMeta(t)
	if code := (&NodeDrainCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-enable", "-deadline=30m", "-ignore-system", "-detach", "4d2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if !strings.Contains(ui.OutputWriter.String(), `Node "4d2ba53b-01" drain strategy set`) ||
		f.lastBody() != `{"NodeID":"4d2ba53b-01","DrainSpec":{"Deadline":1800000000000,"IgnoreSystemJobs":true},"MarkEligible":false}` {
		t.Fatalf("output %s body %s", ui.OutputWriter.String(), f.lastBody())
	}
	n := f.nodes["4d2ba53b-01"]
	if !n.Drain || n.SchedulingEligibility != "ineligible" {
		t.Fatalf("node = %+v", n)
	}

	meta, ui, _ = testMeta(t)
	if code := (&NodeDrainCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-disable", "4d2ba53b-01"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if f.lastBody() != `{"NodeID":"4d2ba53b-01","DrainSpec":null,"MarkEligible":true}` || n.SchedulingEligibility != "eligible" {
		t.Fatalf("disable body %s node %+v", f.lastBody(), n)
	}
	meta, ui, _ = testMeta(t)
	if code := (&NodeDrainCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-disable", "-keep-ineligible", "4d2ba53b-01"}); code != 0 ||
		f.lastBody() != `{"NodeID":"4d2ba53b-01","DrainSpec":null,"MarkEligible":false}` {
		t.Fatalf("exit %d body %s", code, f.lastBody())
	}
}

func TestNodeDrainForceAndNoDeadline(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"))
	for flag, want := range map[string]string{"-force": `"Deadline":-1`, "-no-deadline": `"Deadline":0`} {
		meta, ui, _ := testMeta(t)
		if code := (&NodeDrainCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-enable", flag, "-detach", "4d2"}); code != 0 {
			t.Fatalf("%s: exit %d: %s", flag, code, ui.ErrorWriter.String())
		}
		if !strings.Contains(f.lastBody(), want) {
			t.Fatalf("%s: body %s", flag, f.lastBody())
		}
	}
}

func TestNodeDrainMonitorsUntilComplete(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"))
	f.drainReads = 3
	meta, ui, _ := testMeta(t)
	if code := (&NodeDrainCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-enable", "4d2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	out := ui.OutputWriter.String()
	if !strings.Contains(out, "Node drain complete") || !strings.Contains(out, `Node "4d2ba53b-01" has no drain in progress; done`) ||
		strings.Contains(out, "Node registered") {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(f.lastBody(), `"Deadline":3600000000000`) {
		t.Fatalf("default deadline: %s", f.lastBody())
	}
}

func TestNodeDrainUsageErrors(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"))
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"4d2"}, "Exactly one of -enable and -disable"},
		{[]string{"-disable", "-deadline=1m", "4d2"}, "-deadline only applies with -enable"},
		{[]string{"-enable", "-keep-ineligible", "4d2"}, "-keep-ineligible only applies with -disable"},
		{[]string{"-enable", "-force", "-no-deadline", "4d2"}, "Only one of -deadline, -no-deadline and -force"},
		{[]string{"-enable", "-deadline=0s", "4d2"}, "Invalid -deadline 0s"},
		{[]string{"-enable"}, "takes one argument"},
	} {
		meta, ui, _ := testMeta(t)
		code := (&NodeDrainCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, tc.args...))
		if code != 1 || !strings.Contains(ui.ErrorWriter.String(), tc.err) {
			t.Errorf("%v: exit %d stderr %q, want %q", tc.args, code, ui.ErrorWriter.String(), tc.err)
		}
	}
}
