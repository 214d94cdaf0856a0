//go:build e2e

package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// A client cut off (SIGSTOP) for longer than its heartbeat TTL plus grace,
// running a job with disconnect { lost_after = "1h" replace = false }:
// the server marks the node disconnected and the allocation unknown, not
// lost, and places nothing else. Once the client runs again (SIGCONT) the
// same allocation is running again, its task never restarted. Only the
// client agent's own process is stopped: the driver plugin and the task
// run on, as they would through a network partition.
func TestDisconnectedClientReconnectsWithoutRestart(t *testing.T) {
	srv := startServer(t, "server", 0, serverOpts{BootstrapExpect: 1,
		ServerExtra: "  min_heartbeat_ttl = \"1s\"\n  heartbeat_grace = \"1s\"\n"})
	cl := startServer(t, "client-a", 1, serverOpts{ClientOnly: true, ClientServers: []string{srv.rpcAddr()}})
	api0 := srv.client(10 * time.Second)
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		nodes, _, err := api0.Nodes().List(nil)
		if err != nil {
			return false, err.Error()
		}
		return len(nodes) == 1 && nodes[0].Status == "ready", fmt.Sprintf("nodes %+v", nodes)
	})

	job := mockJob("edge", api.JobTypeService, 1, map[string]interface{}{"run_for": "1h"})
	no := false
	job.TaskGroups[0].Disconnect = &api.DisconnectStrategy{LostAfter: time.Hour, Replace: &no}
	if _, _, err := api0.Jobs().Register(job, nil); err != nil {
		t.Fatalf("register: %v", err)
	}
	var allocID, nodeID string
	waitFor(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
		allocs := jobAllocs(t, srv, job.ID)
		if len(allocs) != 1 || allocs[0].ClientStatus != "running" {
			return false, fmt.Sprintf("allocations by status: %v", countByStatus(allocs))
		}
		allocID, nodeID = allocs[0].ID, allocs[0].NodeID
		return true, ""
	})
	before := taskState(t, srv, allocID)
	if before == nil || before.StartedAt.IsZero() {
		t.Fatalf("task state before the cut: %+v", before)
	}

	pid := cl.pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP client (pid %d): %v", pid, err)
	}
	// Should the test stop early, the agent must be able to take the
	// SIGTERM of its cleanup, which runs after this one.
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	cutAt := time.Now()

	waitFor(t, 20*time.Second, 100*time.Millisecond, func() (bool, string) {
		node, _, err := api0.Nodes().Info(nodeID, nil)
		if err != nil {
			return false, err.Error()
		}
		allocs := jobAllocs(t, srv, job.ID)
		return node.Status == "disconnected" && len(allocs) == 1 && allocs[0].ClientStatus == "unknown",
			fmt.Sprintf("node %s, allocations by status %v", node.Status, countByStatus(allocs))
	})
	t.Logf("node disconnected and allocation unknown %s after SIGSTOP", time.Since(cutAt).Round(time.Millisecond))

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatalf("SIGCONT client (pid %d): %v", pid, err)
	}
	waitFor(t, 20*time.Second, 100*time.Millisecond, func() (bool, string) {
		node, _, err := api0.Nodes().Info(nodeID, nil)
		if err != nil {
			return false, err.Error()
		}
		allocs := jobAllocs(t, srv, job.ID)
		return node.Status == "ready" && len(allocs) == 1 && allocs[0].ID == allocID && allocs[0].ClientStatus == "running",
			fmt.Sprintf("node %s, allocations %v", node.Status, countByStatus(allocs))
	})
	after := taskState(t, srv, allocID)
	if after == nil || after.State != "running" || after.Restarts != 0 || !after.StartedAt.Equal(before.StartedAt) {
		t.Fatalf("task after reconnecting: %+v (started %s before the cut)", after, before.StartedAt)
	}
	for _, e := range after.Events {
		switch e.Type {
		case "Restarting", "Killing", "Killed", "Terminated":
			t.Fatalf("task event %q after reconnecting: %s", e.Type, e.DisplayMessage)
		}
	}
}
