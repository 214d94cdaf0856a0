package client

import (
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// disconnectAlloc is a running allocation whose group stops on a cut-off
// client after stop (the disconnect block, or with legacy set the older
// stop_after_client_disconnect); zero sets neither.
func disconnectAlloc(id, nodeID string, stop time.Duration, legacy bool) *structs.Allocation {
	a := testAlloc(id, nodeID)
	tg := &structs.TaskGroup{Name: a.TaskGroup}
	switch {
	case stop == 0:
	case legacy:
		tg.StopAfterClientDisconnect = &stop
	default:
		tg.Disconnect = &structs.DisconnectStrategy{StopOnClientAfter: &stop}
	}
	a.Job = &structs.Job{ID: a.JobID, Type: structs.JobTypeService, TaskGroups: []*structs.TaskGroup{tg}}
	return a
}

func (r *fakeRunner) stopsLocally() []*structs.TaskEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*structs.TaskEvent(nil), r.localStops...)
}

func TestStopOnClientAfterReadsBothSpellings(t *testing.T) {
	for _, tc := range []struct {
		a    *structs.Allocation
		want time.Duration
	}{
		{disconnectAlloc("a", "n", time.Minute, false), time.Minute},
		{disconnectAlloc("a", "n", time.Hour, true), time.Hour},
		{disconnectAlloc("a", "n", 0, false), 0},
		{testAlloc("a", "n"), 0}, // no job
	} {
		if got := stopOnClientAfter(tc.a); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.a.Job, got, tc.want)
		}
	}
}

// TestStopsAllocationsWhenCutOff: a client that cannot heartbeat stops
// each allocation whose group says so once that long has passed since the
// servers last answered, says why in a task event, and reports it
// complete once the servers answer again; a heartbeat that gets through
// restarts the count for the others.
func TestStopsAllocationsWhenCutOff(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.setAllocs(
		disconnectAlloc("quick", c.NodeID(), 45*time.Second, false),
		disconnectAlloc("legacy", c.NodeID(), 100*time.Second, true),
		disconnectAlloc("stays", c.NodeID(), 0, false),
	)
	for _, id := range []string{"quick", "legacy", "stays"} {
		waitFor(t, "runner "+id+" to run", func() bool {
			r := runners.get(id)
			if r == nil {
				return false
			}
			_, ran, _, _, _ := r.state()
			return ran
		})
	}
	// The watcher counts from the registration, the last contact. (The
	// durations differ from every other timer of the client: garbage
	// collection's minute, the RPC timeout's 30s, the TTL.)
	waitFor(t, "the watcher to arm its timer for quick", func() bool { return clock.armedBy("heartbeat_stop.go", 45*time.Second) })

	srv.setCutOff(true)
	clock.Advance(45 * time.Second)
	waitFor(t, "quick to be stopped", func() bool { return len(runners.get("quick").stopsLocally()) == 1 })
	ev := runners.get("quick").stopsLocally()[0]
	if ev.Type != "Killing" || !strings.Contains(ev.Message, "has not reached a server for 45s") ||
		!strings.Contains(ev.Message, "stop_on_client_after (45s)") || ev.Details["stop_on_client_after"] != "45s" {
		t.Errorf("event %+v, want a Killing event that says why", ev)
	}
	// legacy has 55s left; the watcher waits for it.
	waitFor(t, "the watcher to arm its timer for legacy", func() bool { return clock.armedBy("heartbeat_stop.go", 55*time.Second) })
	for _, id := range []string{"legacy", "stays"} {
		if n := len(runners.get(id).stopsLocally()); n != 0 {
			t.Errorf("%s stopped %d times, want not yet", id, n)
		}
	}
	if got := srv.clientStatus("quick"); got == structs.AllocClientStatusComplete {
		t.Fatal("the server heard of the stop while cut off")
	}

	// The partition ends: the heartbeat retry gets through, the stopped
	// allocation is reported complete and legacy's count starts again.
	srv.setCutOff(false)
	hb := srv.heartbeatCount()
	waitFor(t, "the heartbeat retry's timer", func() bool { return clock.armedBy("heartbeat.go", time.Second) })
	clock.Advance(time.Second)
	waitFor(t, "a heartbeat", func() bool { return srv.heartbeatCount() > hb })
	waitFor(t, "the watcher to count legacy from the heartbeat", func() bool { return clock.armedBy("heartbeat_stop.go", 100*time.Second) })
	waitFor(t, "quick's complete report at the server", func() bool {
		for _, d := range []time.Duration{DefaultUpdateInterval, time.Second} {
			if clock.armedFor(d) {
				clock.Advance(d)
				break
			}
		}
		return srv.clientStatus("quick") == structs.AllocClientStatusComplete
	})

	// Past legacy's first deadline, with heartbeats answered: it runs on.
	hb = srv.heartbeatCount()
	clock.Advance(70 * time.Second)
	waitFor(t, "a heartbeat", func() bool { return srv.heartbeatCount() > hb })
	waitFor(t, "the watcher to count from that heartbeat", func() bool { return clock.armedBy("heartbeat_stop.go", 100*time.Second) })
	for _, id := range []string{"legacy", "stays"} {
		if n := len(runners.get(id).stopsLocally()); n != 0 {
			t.Errorf("%s stopped %d times while the servers answer", id, n)
		}
	}
	if n := len(runners.get("quick").stopsLocally()); n != 1 {
		t.Errorf("quick stopped %d times, want once", n)
	}
}
