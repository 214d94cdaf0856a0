package command

import (
	"strings"
	"testing"
)

func TestNodeEligibility(t *testing.T) {
	f := newFakeNodeAgent(t, fakeNode("4d2ba53b-01", "a"))
	meta, ui, _ := testMeta(t)
	if code := (&NodeEligibilityCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-disable", "4d2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if got := ui.OutputWriter.String(); !strings.Contains(got, `Node "4d2ba53b-01" scheduling eligibility set: ineligible for scheduling`) {
		t.Fatalf("output = %s", got)
	}
	if f.nodes["4d2ba53b-01"].SchedulingEligibility != "ineligible" || f.lastBody() != `{"NodeID":"4d2ba53b-01","Eligibility":"ineligible"}` {
		t.Fatalf("body = %s", f.lastBody())
	}

	// A draining node: the server's refusal reaches the user.
	f.nodes["4d2ba53b-01"].Drain = true
	meta, ui, _ = testMeta(t)
	if code := (&NodeEligibilityCommand{Meta: meta}).Run([]string{"-address=" + f.URL, "-enable", "4d2ba53b-01"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "is draining") {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}

	for _, args := range [][]string{{"4d2"}, {"-enable", "-disable", "4d2"}, {"-enable"}} {
		meta, ui, _ := testMeta(t)
		if code := (&NodeEligibilityCommand{Meta: meta}).Run(append([]string{"-address=" + f.URL}, args...)); code != 1 || ui.ErrorWriter.String() == "" {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}
