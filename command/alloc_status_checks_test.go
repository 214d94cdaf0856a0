package command

import (
	"errors"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestFormatAllocChecks(t *testing.T) {
	view := allocView{verbose: true, checks: api.AllocCheckStatuses{
		"a": {Service: "web", Check: "alive", Mode: "healthiness", Status: "failure", StatusCode: 503, Output: "HTTP GET: 503\n"},
		"b": {Service: "web", Task: "api", Check: "ready", Mode: "readiness", Status: "success"},
	}}
	out := formatAllocChecks(view)
	for _, want := range []string{"Nomad Service Checks:", "(group)", "failure (503)", "api", "readiness", "web/alive: HTTP GET: 503"} {
		if !strings.Contains(out, want) {
			t.Errorf("section lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "alive") > strings.Index(out, "ready") {
		t.Errorf("checks not sorted by name:\n%s", out)
	}
	if formatAllocChecks(allocView{}) != "" {
		t.Error("an allocation without checks shows a section")
	}
	if out := formatAllocChecks(allocView{checksErr: errors.New("node down")}); !strings.Contains(out, "node down") {
		t.Errorf("error not shown: %q", out)
	}
	alloc := &api.Allocation{TaskGroup: "g", Job: &api.Job{TaskGroups: []*api.TaskGroup{{Name: "g",
		Tasks: []*api.Task{{Name: "t", Services: []*api.Service{{Name: "s", Checks: []api.ServiceCheck{{Name: "c"}}}}}}}}}}
	if !allocHasNomadChecks(alloc) {
		t.Error("a task service's check not seen")
	}
	alloc.Job.TaskGroups[0].Tasks[0].Services[0].Provider = "consul"
	if allocHasNomadChecks(alloc) {
		t.Error("consul checks are not the client's")
	}
}
