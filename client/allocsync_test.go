package client

import (
	"errors"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// runningAlloc starts a1 on a registered client and waits until the
// server has its running report.
func runningAlloc(t *testing.T, c *Client, srv *fakeServer, runners *fakeRunners, clock *fakeClock) {
	t.Helper()
	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner", func() bool { return runners.get("a1") != nil })
	syncUpdates(t, clock)
	waitFor(t, "the running status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusRunning })
}

// pendingStatus is the client status of the report of id waiting to be
// sent, "" when none waits.
func pendingStatus(c *Client, id string) string {
	c.updates.mu.Lock()
	defer c.updates.mu.Unlock()
	if a := c.updates.pending[id]; a != nil {
		return a.ClientStatus
	}
	return ""
}

// TestRefusedUpdateIsRetried: a server that answers an update with an
// error of its own (here a Raft apply that failed as leadership moved)
// may take it on the next try; the report is queued again, not dropped.
func TestRefusedUpdateIsRetried(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.refuseUpdates(errors.New("update allocations: raft apply AllocClientUpdate: leadership lost while committing log"))
	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner", func() bool { return runners.get("a1") != nil })
	syncUpdates(t, clock)
	waitFor(t, "the refusal", func() bool { return srv.refusedCount() == 1 })

	clock.advanceWhenArmed(t, "the retry back-off", DefaultRetryBackoff)
	syncUpdates(t, clock)
	waitFor(t, "the running status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusRunning })
}

// TestMalformedUpdateIsDroppedAlone: a server refuses a batch whole when
// one report in it is malformed; the others are sent on their own and
// only the malformed one is dropped. The allocation's next report goes
// through.
func TestMalformedUpdateIsDroppedAlone(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	srv.setAlloc(testAlloc("a1", c.NodeID()))
	srv.setAlloc(testAlloc("a2", c.NodeID()))
	waitFor(t, "both runners to report", func() bool {
		c.updates.mu.Lock()
		defer c.updates.mu.Unlock()
		return len(c.updates.pending) == 2
	})
	runners.get("a1").cfg.Updater(&structs.Allocation{ID: "a1", ClientStatus: "bogus"})

	syncUpdates(t, clock)
	waitFor(t, "a2's running status at the server", func() bool { return srv.clientStatus("a2") == structs.AllocClientStatusRunning })
	if got := srv.refusedCount(); got != 2 {
		t.Errorf("%d refusals, want 2 (the batch, then a1 alone)", got)
	}
	if got := srv.clientStatus("a1"); got != structs.AllocClientStatusPending {
		t.Errorf("a1 at the server is %q, want still pending", got)
	}

	runners.get("a1").end()
	waitFor(t, "a1's complete report", func() bool { return pendingStatus(c, "a1") == structs.AllocClientStatusComplete })
	syncUpdates(t, clock)
	waitFor(t, "a1's complete status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusComplete })
}

// TestRegistrationResendsEveryReport: whatever the servers lost of the
// client's reports, a registration sends every allocation's newest
// report again.
func TestRegistrationResendsEveryReport(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	runningAlloc(t, c, srv, runners, clock)

	srv.resetClientStatus("a1")
	srv.setForget()
	// The heartbeat was armed at the registration, before the update
	// batcher's wait went by.
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL-DefaultUpdateInterval)
	waitFor(t, "a second registration", func() bool { return len(srv.registrations()) == 2 })
	syncUpdates(t, clock)
	waitFor(t, "the running status at the server again", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusRunning })
}

// TestResendNeverGoesBackwards: what resendAll queues is each
// allocation's newest report, even once older ones were sent.
func TestResendNeverGoesBackwards(t *testing.T) {
	var u allocUpdates
	u.init()
	u.put(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusRunning})
	u.put(&structs.Allocation{ID: "a2", ClientStatus: structs.AllocClientStatusRunning})
	u.take()
	u.put(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusComplete})
	u.retain(map[string]bool{"a1": true})
	if n := u.resendAll(); n != 1 {
		t.Fatalf("resendAll queued %d reports, want 1 (a2 is no longer listed)", n)
	}
	got := u.take()
	if len(got) != 1 || got[0].ID != "a1" || got[0].ClientStatus != structs.AllocClientStatusComplete {
		t.Fatalf("resent %+v, want a1 complete", got)
	}
}

// TestRegistrationResendsAFinishedRunnersState: a runner that finished
// without reporting its final state (the alloc runner's bug this guards
// against) is asked for it at the next registration.
func TestRegistrationResendsAFinishedRunnersState(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	runningAlloc(t, c, srv, runners, clock)

	r := runners.get("a1")
	r.endUnreported()
	<-r.WaitCh()
	srv.setForget()
	clock.advanceWhenArmed(t, "the heartbeat", fakeTTL-DefaultUpdateInterval)
	waitFor(t, "a second registration", func() bool { return len(srv.registrations()) == 2 })
	syncUpdates(t, clock)
	waitFor(t, "the complete status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusComplete })
}
