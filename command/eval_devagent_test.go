package command

import (
	"strings"
	"testing"
)

// TestDevAgentPlacementFailureEverywhere: a job whose driver no node has
// is explained the same way by job run's monitor, job status, eval list
// and eval status, against a real server and its scheduler.
func TestDevAgentPlacementFailureEverywhere(t *testing.T) {
	d := startDevAgent(t)
	d.addNodes(t, 3)
	job := writeFile(t, "docker.json", `{"Job": {"ID": "dockered", "Type": "service", "Datacenters": ["dc1"],
	  "TaskGroups": [{"Name": "api", "Count": 2, "Tasks": [{"Name": "t", "Driver": "docker", "Config": {"image": "redis:7"}}]}]}}`)
	const why = `Constraint "missing drivers": 3 nodes excluded by filter: no node has driver "docker"; the 3 eligible nodes have driver "mock"`

	code, _, errOut := d.run(t, "job", "run", job)
	if code != exitPlaceFailed || !strings.Contains(errOut, why) {
		t.Fatalf("job run: exit %d, want %d; stderr:\n%s", code, exitPlaceFailed, errOut)
	}

	out := mustRun(t, d, 0, "job", "status", "dockered")
	for _, want := range []string{"Placement Failure", `Task Group "api" (failed to place 2 allocations):`, "  * 3 nodes evaluated: 3 excluded by filter, 0 exhausted", "  * " + why,
		"waiting for additional capacity to place remainder"} {
		if !strings.Contains(out, want) {
			t.Errorf("job status lacks %q:\n%s", want, out)
		}
	}

	out = mustRun(t, d, 0, "eval", "list", "-job", "dockered", "-status", "complete")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "job-register") || !strings.HasSuffix(lines[1], "true") {
		t.Fatalf("eval list:\n%s", out)
	}
	id := strings.Fields(lines[1])[0]
	out = mustRun(t, d, 0, "eval", "status", id)
	for _, want := range []string{"Placement Failures = true", "Failed Placements", "  * " + why, "Blocked Eval"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval status lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, d, 0, "eval", "list", "-status", "blocked")
	if !strings.Contains(out, "queued-allocs") || !strings.Contains(out, "dockered") {
		t.Errorf("eval list -status blocked:\n%s", out)
	}
}
