package command

import (
	"context"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/e2e/nodesim"
)

// TestDevAgentNodeLifecycle drives the node commands against a real dev
// agent whose nodes are simulated over RPC: list, eligibility, and a drain
// followed to completion by the server's drainer.
func TestDevAgentNodeLifecycle(t *testing.T) {
	d := startDevAgent(t)
	sim := d.addNodes(t, 3)
	id := sim.NodeIDs()[0]

	out := mustRun(t, d, 0, "node", "status")
	for _, want := range []string{"ID        Node Pool  DC   Name   Class   Drain  Eligibility  Status", "cli-0", "cli-2", "eligible     ready"} {
		if !strings.Contains(out, want) {
			t.Errorf("node status lacks %q:\n%s", want, out)
		}
	}

	mustRun(t, d, 0, "node", "eligibility", "-disable", id[:8])
	out = mustRun(t, d, 0, "node", "status", id)
	for _, want := range []string{"Eligibility = ineligible", "4000 MHz", "Node marked as ineligible for scheduling", "No allocations placed"} {
		if !strings.Contains(out, want) {
			t.Errorf("node status %s lacks %q:\n%s", id, want, out)
		}
	}

	// Nothing runs on the node, so the drainer completes the drain at
	// once and the monitor returns.
	out = mustRun(t, d, 0, "node", "drain", "-enable", "-deadline=1m", id)
	if !strings.Contains(out, "Node drain complete") {
		t.Fatalf("drain output:\n%s", out)
	}
	out = mustRun(t, d, 0, "node", "status", id)
	if !strings.Contains(out, "Drain       = false") || !strings.Contains(out, "Eligibility = ineligible") {
		t.Fatalf("after drain:\n%s", out)
	}
	mustRun(t, d, 0, "node", "eligibility", "-enable", id)
	out = mustRun(t, d, 0, "node", "status", "-json", id)
	if !strings.Contains(out, `"SchedulingEligibility": "eligible"`) {
		t.Fatalf("json:\n%s", out)
	}
}

// addNodes registers n simulated client nodes with the dev agent (whose
// own client is off, see startDevAgent); they heartbeat and acknowledge
// their allocations as running until the test ends.
func (d *devAgent) addNodes(t *testing.T, n int) *nodesim.Sim {
	t.Helper()
	client, err := api.NewClient(&api.Config{Address: d.addr})
	if err != nil {
		t.Fatal(err)
	}
	rpcAddr, err := client.Status().Leader()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := nodesim.Start(context.Background(), nodesim.Config{Servers: []string{rpcAddr}, Nodes: n, Seed: 3, NamePrefix: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	return sim
}
