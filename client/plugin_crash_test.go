package client

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// serverAlloc is an allocation as the server has it.
func serverAlloc(t *testing.T, s *nomadish.Server, id string) *structs.Allocation {
	t.Helper()
	var resp structs.SingleAllocResponse
	if err := s.RPC("Alloc.GetAlloc", &structs.AllocSpecificRequest{AllocID: id}, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Alloc
}

// TestWithServerPluginKilledIsRelaunched kills the mock plugin process
// with SIGKILL while two service tasks run in it. The client keeps
// running, relaunches the plugin on its next health check and, since the
// mock driver cannot recover a task its dead process ran, treats each
// task as failed under its restart policy: the one allowed restarts runs
// again with one restart counted, the one allowed none fails its
// allocation. The server sees both.
func TestWithServerPluginKilledIsRelaunched(t *testing.T) {
	s := realServer(t, 5*time.Second)
	cfg := mockClientConfig(t, s.RPCAdvertise().String())
	cfg.PluginHealthInterval = 100 * time.Millisecond
	c := startClient(t, cfg)
	waitFor(t, "the node to be ready", func() bool {
		n := serverNode(t, s, c.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})

	restarts := mockJob("restarts", structs.JobTypeService, map[string]interface{}{"run_for": "1h"})
	restarts.TaskGroups[0].RestartPolicy = &structs.RestartPolicy{Attempts: 2, Mode: structs.RestartPolicyModeFail,
		Interval: time.Hour, Delay: 100 * time.Millisecond}
	registerJob(t, s, restarts)
	fails := mockJob("fails", structs.JobTypeService, map[string]interface{}{"run_for": "1h"})
	registerJob(t, s, fails)
	restarting := waitAllocStatus(t, s, "restarts", structs.AllocClientStatusRunning)
	failing := waitAllocStatus(t, s, "fails", structs.AllocClientStatusRunning)

	rc, ok := c.plugins.ReattachConfig("mock")
	if !ok || rc.Pid <= 0 {
		t.Fatalf("no plugin process to kill: %+v, %v", rc, ok)
	}
	if err := syscall.Kill(rc.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	// startClient kills the relaunched plugin at cleanup too.
	waitFor(t, "the plugin to be relaunched", func() bool {
		rc2, ok := c.plugins.ReattachConfig("mock")
		return ok && rc2.Pid > 0 && rc2.Pid != rc.Pid
	})

	var a *structs.Allocation
	waitFor(t, "the restarted task to run again with a restart counted", func() bool {
		a = serverAlloc(t, s, restarting.ID)
		ts := a.TaskStates["t"]
		return a.ClientStatus == structs.AllocClientStatusRunning && ts != nil && ts.State == structs.TaskStateRunning && ts.Restarts == 1
	})
	if ev := lastEvent(a.TaskStates["t"], "Terminated"); ev == nil || !strings.Contains(ev.Message, "could not be recovered") {
		t.Errorf("terminated event %+v, want one saying the task could not be recovered; events %s", ev, eventTypes(a.TaskStates["t"]))
	}
	waitFor(t, "the allocation without restarts to fail", func() bool {
		a = serverAlloc(t, s, failing.ID)
		return a.ClientStatus == structs.AllocClientStatusFailed
	})
	if ts := a.TaskStates["t"]; ts == nil || ts.State != structs.TaskStateDead || !ts.Failed || ts.Restarts != 0 {
		t.Errorf("task state of the failed allocation = %+v", ts)
	}

	// The client kept running: it still heartbeats and the mock driver
	// is healthy again at the server.
	waitFor(t, "the node to be ready with a healthy mock driver", func() bool {
		n := serverNode(t, s, c.NodeID())
		return n != nil && n.Status == structs.NodeStatusReady && n.Drivers["mock"] != nil && n.Drivers["mock"].Healthy
	})
}

// lastEvent is the newest event of type typ in st, or nil.
func lastEvent(st *structs.TaskState, typ string) *structs.TaskEvent {
	if st == nil {
		return nil
	}
	for i := len(st.Events) - 1; i >= 0; i-- {
		if st.Events[i].Type == typ {
			return st.Events[i]
		}
	}
	return nil
}

func eventTypes(st *structs.TaskState) string {
	if st == nil {
		return "[]"
	}
	var out []string
	for _, e := range st.Events {
		out = append(out, fmt.Sprintf("%s: %s", e.Type, e.Message))
	}
	return "[" + strings.Join(out, "; ") + "]"
}
