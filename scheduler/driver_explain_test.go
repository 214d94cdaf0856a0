package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestExplainMissingDrivers(t *testing.T) {
	node := func(drivers map[string]bool, attrs map[string]string) *structs.Node {
		n := &structs.Node{Drivers: map[string]*structs.DriverInfo{}, Attributes: attrs}
		for name, healthy := range drivers {
			n.Drivers[name] = &structs.DriverInfo{Detected: true, Healthy: healthy}
		}
		return n
	}
	execWasm := node(map[string]bool{"exec": true, "wasm": true}, nil)
	cases := []struct {
		name    string
		drivers []string
		nodes   []*structs.Node
		want    string
	}{
		{"one missing", []string{"docker"}, []*structs.Node{execWasm, execWasm, execWasm},
			`no node has driver "docker"; the 3 eligible nodes have drivers "exec", "wasm"`},
		{"two missing of three", []string{"docker", "exec", "podman"}, []*structs.Node{execWasm},
			`no node has drivers "docker", "podman"; the eligible node has drivers "exec", "wasm"`},
		{"unhealthy", []string{"docker"}, []*structs.Node{node(map[string]bool{"docker": false, "exec": true}, nil), execWasm},
			`driver "docker" is detected but unhealthy on 1 node; the 2 eligible nodes have drivers "exec", "wasm"`},
		{"never together", []string{"docker", "wasm"}, []*structs.Node{node(map[string]bool{"docker": true}, nil), execWasm},
			`no node has all of drivers "docker", "wasm"; the 2 eligible nodes have drivers "docker", "exec", "wasm"`},
		{"attributes only", []string{"docker"}, []*structs.Node{node(nil, map[string]string{"driver.raw_exec": "1", "driver.docker": "false", "driver.docker.version": "27"})},
			`no node has driver "docker"; the eligible node has driver "raw_exec"`},
		{"no driver at all", []string{"docker"}, []*structs.Node{node(nil, nil), node(map[string]bool{"exec": false}, nil)},
			`no node has driver "docker"; the 2 eligible nodes have no healthy driver`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := explainMissingDrivers(c.drivers, c.nodes); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// The evaluation of a group whose driver no node has says so in the
// failed group's metric, beside Nomad's "missing drivers" count.
func TestService_MissingDriverIsNamed(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 3, nil)
	j := mockJob("web")
	j.TaskGroups[0].Count = 2
	j.TaskGroups[0].Tasks[0].Driver = "docker"
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil {
		t.Fatal("group web did not fail")
	}
	if m.ConstraintFiltered[reasonMissingDrivers] != 3 || m.CoalescedFailures != 1 {
		t.Fatalf("filtered %v, coalesced %d", m.ConstraintFiltered, m.CoalescedFailures)
	}
	want := `no node has driver "docker"; the 3 eligible nodes have drivers "exec", "mock"`
	if got := m.ConstraintDetails[reasonMissingDrivers]; got != want {
		t.Fatalf("detail %q, want %q", got, want)
	}
}
