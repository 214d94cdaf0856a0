//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// The two jobs are written in HCL and parsed by the agent, so that the
// test covers the job file's names (max_run_duration, shutdown_delay), the
// server's validation and the client's behaviour together.

const deadlineJobHCL = `
job "deadline" {
  type        = "batch"
  datacenters = ["dc1"]

  group "g" {
    # One allocation only: a replacement would bring a deadline of its own.
    reschedule {
      attempts  = 0
      unlimited = false
    }
    ephemeral_disk {
      size = 10
    }

    task "t" {
      driver           = "mock"
      max_run_duration = "2s"
      kill_timeout     = "1s"
      config {
        run_for = "1h"
      }
      resources {
        cpu    = 10
        memory = 10
      }
    }
  }
}
`

const shutdownDelayJobHCL = `
job "delayed-stop" {
  type        = "service"
  datacenters = ["dc1"]

  group "g" {
    ephemeral_disk {
      size = 10
    }

    task "t" {
      driver         = "mock"
      shutdown_delay = "2s"
      config {
        run_for = "1h"
      }
      resources {
        cpu    = 10
        memory = 10
      }
    }
  }
}
`

// registerHCL parses file through the agent and registers the job.
func registerHCL(t *testing.T, cl *api.Client, file string) *api.Job {
	t.Helper()
	job, err := cl.Jobs().ParseHCL(file, false)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if _, _, err := cl.Jobs().Register(job, nil); err != nil {
		t.Fatalf("register %s: %v", job.ID, err)
	}
	return job
}

// onlyAlloc waits for the job's single allocation to satisfy cond.
func onlyAlloc(t *testing.T, a *agentProc, jobID, what string, cond func(*api.AllocationListStub) bool) *api.AllocationListStub {
	t.Helper()
	var found *api.AllocationListStub
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		allocs := jobAllocs(t, a, jobID)
		if len(allocs) != 1 {
			return false, fmt.Sprintf("%d allocations of %s, want 1", len(allocs), jobID)
		}
		found = allocs[0]
		return cond(found), fmt.Sprintf("waiting until %s: allocation %s is %s, task %s", what, found.ID, found.ClientStatus, describeTask(found.TaskStates["t"]))
	})
	return found
}

func describeTask(st *api.TaskState) string {
	if st == nil {
		return "without state"
	}
	var evs []string
	for _, e := range st.Events {
		evs = append(evs, e.Type)
	}
	return fmt.Sprintf("%s (failed=%v, restarts=%d, events %q)", st.State, st.Failed, st.Restarts, evs)
}

func eventOf(st *api.TaskState, typ string) (int, *api.TaskEvent) {
	for i, e := range st.Events {
		if e.Type == typ {
			return i, e
		}
	}
	return -1, nil
}

// A batch task running past max_run_duration is killed and fails its
// allocation, and its restart policy (three attempts by default) does not
// restart it.
func TestMaxRunDurationFailsLongBatchTask(t *testing.T) {
	a := startServer(t, "dev", 0, serverOpts{Dev: true})
	cl := a.client(10 * time.Second)
	job := registerHCL(t, cl, deadlineJobHCL)

	alloc := onlyAlloc(t, a, job.ID, "the allocation fails", func(s *api.AllocationListStub) bool {
		return s.ClientStatus == "failed" && s.TaskStates["t"] != nil && s.TaskStates["t"].State == "dead"
	})
	st := alloc.TaskStates["t"]
	_, ev := eventOf(st, "Max Run Duration Exceeded")
	if ev == nil || !strings.Contains(ev.Message, "exceeded max_run_duration of 2s") || !ev.FailsTask {
		t.Fatalf("deadline event %+v; task %s", ev, describeTask(st))
	}
	if !st.Failed || st.Restarts != 0 {
		t.Fatalf("task %s: want failed and never restarted", describeTask(st))
	}
	if _, killed := eventOf(st, "Killed"); killed == nil {
		t.Fatalf("task %s: want it killed", describeTask(st))
	}
}

// A stopped service task waits its shutdown_delay, saying so in an event,
// before it is sent its kill signal.
func TestShutdownDelayBeforeKillOnStop(t *testing.T) {
	a := startServer(t, "dev", 0, serverOpts{Dev: true})
	cl := a.client(10 * time.Second)
	job := registerHCL(t, cl, shutdownDelayJobHCL)
	onlyAlloc(t, a, job.ID, "the task runs", func(s *api.AllocationListStub) bool {
		return s.ClientStatus == "running"
	})

	if _, _, err := cl.Jobs().Deregister(job.ID, false, nil); err != nil {
		t.Fatalf("stop: %v", err)
	}
	alloc := onlyAlloc(t, a, job.ID, "the task is dead", func(s *api.AllocationListStub) bool {
		return s.TaskStates["t"] != nil && s.TaskStates["t"].State == "dead"
	})
	st := alloc.TaskStates["t"]
	wi, wait := eventOf(st, "Waiting for shutdown delay")
	ki, kill := eventOf(st, "Killing")
	if wait == nil || kill == nil || wi > ki {
		t.Fatalf("task %s: want a shutdown delay event, then Killing", describeTask(st))
	}
	if !strings.Contains(wait.Message, "shutdown_delay of 2s") || wait.Details["shutdown_delay"] != "2s" {
		t.Fatalf("delay event %+v", wait)
	}
	// A lower bound only, which a timer cannot break: the kill signal
	// cannot come before the delay has passed.
	if gap := time.Duration(kill.Time - wait.Time); gap < 2*time.Second {
		t.Fatalf("kill signal %s after the delay event, want at least 2s", gap)
	}
	if st.Failed {
		t.Fatalf("task %s: a stop is not a failure", describeTask(st))
	}
}
