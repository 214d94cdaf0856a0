package client

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testAlloc(id, nodeID string) *structs.Allocation {
	return &structs.Allocation{
		ID:            id,
		Namespace:     structs.DefaultNamespace,
		NodeID:        nodeID,
		JobID:         "job",
		TaskGroup:     "group",
		Name:          "job.group[0]",
		DesiredStatus: structs.AllocDesiredStatusRun,
		ClientStatus:  structs.AllocClientStatusPending,
	}
}

// storedAllocs lists the allocation IDs in the client's local state.
func storedAllocs(t *testing.T, c *Client) []string {
	t.Helper()
	allocs, _, err := c.db.GetAllocations()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range allocs {
		ids = append(ids, a.ID)
	}
	sort.Strings(ids)
	return ids
}

// syncUpdates lets the update batcher send what is queued.
func syncUpdates(t *testing.T, clock *fakeClock) {
	t.Helper()
	clock.advanceWhenArmed(t, "the update batcher", DefaultUpdateInterval)
}

func TestRunsUpdatesAndDestroysAllocations(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner for the new allocation", func() bool { return runners.get("a1") != nil })
	r := runners.get("a1")
	waitFor(t, "the runner to run", func() bool { _, ran, _, _, _ := r.state(); return ran })
	if got := storedAllocs(t, c); len(got) != 1 || got[0] != "a1" {
		t.Errorf("local state holds %v, want [a1]", got)
	}
	if r.cfg.Node == nil || r.cfg.Node.ID != c.NodeID() || r.cfg.AllocRoot != filepath.Join(c.cfg.DataDir, "alloc") || r.cfg.StateDB != c.db {
		t.Errorf("runner config = %+v", r.cfg)
	}

	syncUpdates(t, clock)
	waitFor(t, "the running status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusRunning })
	u := srv.allocUpdates()[0]
	if u.SecretID != c.Node().SecretID || len(u.Alloc) != 1 || u.Alloc[0].ID != "a1" {
		t.Errorf("update = %+v", u)
	}
	if ar, err := c.AllocRunner("nope"); ar != nil || err == nil {
		t.Errorf("AllocRunner(nope) = %v, %v; want ErrUnknownAlloc", ar, err)
	}
	if got := c.Allocations(); len(got) != 1 || got[0].ID != "a1" {
		t.Errorf("Allocations() = %v", got)
	}

	// The client's own report came back in the query with the same
	// AllocModifyIndex: the runner is not updated with it.
	_, _, _, _, updates := r.state()
	if updates != 0 {
		t.Errorf("runner got %d updates from its own report", updates)
	}

	// The server wants it stopped.
	stop := testAlloc("a1", c.NodeID())
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	srv.setAlloc(stop)
	waitFor(t, "the runner to be updated", func() bool { _, _, _, _, n := r.state(); return n == 1 })
	syncUpdates(t, clock)
	waitFor(t, "the complete status at the server", func() bool { return srv.clientStatus("a1") == structs.AllocClientStatusComplete })

	// The server garbage-collects it: the client destroys it.
	srv.deleteAlloc("a1")
	waitFor(t, "the runner to be destroyed", func() bool { _, _, d, _, _ := r.state(); return d })
	waitFor(t, "the local state to be removed", func() bool { return len(storedAllocs(t, c)) == 0 })
	if got := c.Allocations(); len(got) != 0 {
		t.Errorf("Allocations() after removal = %v", got)
	}
	if runners.count() != 1 {
		t.Errorf("%d runners made, want 1", runners.count())
	}
}

// The client fetches in full only the allocations that are new or whose
// AllocModifyIndex moved; the others stay as they are.
func TestFetchesOnlyNewAndChangedAllocations(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner for a1", func() bool { return runners.get("a1") != nil })
	srv.setAlloc(testAlloc("a2", c.NodeID()))
	waitFor(t, "a runner for a2", func() bool { return runners.get("a2") != nil })
	if got := srv.lastPull(); len(got) != 1 || got[0] != "a2" {
		t.Fatalf("second fetch asked for %v, want [a2]", got)
	}

	stop := testAlloc("a1", c.NodeID())
	stop.DesiredStatus = structs.AllocDesiredStatusStop
	srv.setAlloc(stop)
	r1 := runners.get("a1")
	waitFor(t, "a1's runner to be updated", func() bool { _, _, _, _, n := r1.state(); return n == 1 })
	if got := srv.lastPull(); len(got) != 1 || got[0] != "a1" {
		t.Fatalf("fetch after a1 changed asked for %v, want [a1]", got)
	}
	if _, _, _, _, n := runners.get("a2").state(); n != 0 {
		t.Errorf("a2's runner got %d updates, want 0", n)
	}
}

// An answer that leaves out an allocation asked for is not acted upon
// half-way: after a back-off the client asks for everything again and
// runs both allocations.
func TestShortFetchIsRetriedWhole(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	cfg := testConfig(t, clock, runners, srv.addr)
	cfg.RetryBackoff, cfg.MaxRetryBackoff = 3*time.Second, 3*time.Second
	c := newTestClient(t, cfg)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	srv.mu.Lock()
	srv.shortPulls = 1
	srv.mu.Unlock()
	srv.setAllocs(testAlloc("a1", c.NodeID()), testAlloc("a2", c.NodeID()))
	clock.advanceWhenArmed(t, "the retry after the short answer", 3*time.Second)
	waitFor(t, "runners for both allocations", func() bool { return runners.get("a1") != nil && runners.get("a2") != nil })
	if got := srv.lastPull(); len(got) != 2 {
		t.Fatalf("the retry asked for %v, want both allocations", got)
	}
}

func TestAllocUpdatesAreCoalescedAndBatched(t *testing.T) {
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
	// More reports of a1 before the batch goes: only the last is sent.
	up := runners.get("a1").cfg.Updater
	up(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusRunning, ClientDescription: "first"})
	up(&structs.Allocation{ID: "a1", ClientStatus: structs.AllocClientStatusFailed, ClientDescription: "last",
		TaskStates: map[string]*structs.TaskState{"web": {State: structs.TaskStateDead, Failed: true}}})

	syncUpdates(t, clock)
	waitFor(t, "the batch", func() bool { return len(srv.allocUpdates()) == 1 })
	u := srv.allocUpdates()[0]
	if len(u.Alloc) != 2 || u.Alloc[0].ID != "a1" || u.Alloc[1].ID != "a2" {
		t.Fatalf("batch = %+v, want a1 and a2", u.Alloc)
	}
	if a := u.Alloc[0]; a.ClientStatus != structs.AllocClientStatusFailed || a.ClientDescription != "last" || !a.TaskStates["web"].Failed {
		t.Errorf("a1 sent as %+v, want the last report", a)
	}
	if u.SecretID == "" {
		t.Error("the batch carries no node secret")
	}
}

func TestUnknownStoppedAllocIsAcknowledgedNotRun(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c := newTestClient(t, testConfig(t, clock, runners, srv.addr))
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })

	stopped := testAlloc("stopped", c.NodeID())
	stopped.DesiredStatus = structs.AllocDesiredStatusStop
	done := testAlloc("done", c.NodeID())
	done.ClientStatus = structs.AllocClientStatusComplete
	srv.setAlloc(stopped)
	srv.setAlloc(done)
	syncUpdates(t, clock)
	waitFor(t, "the stopped allocation to be acknowledged", func() bool { return srv.clientStatus("stopped") == structs.AllocClientStatusComplete })
	if n := runners.count(); n != 0 {
		t.Errorf("%d runners started for allocations that are over", n)
	}
}

func TestRestoresAllocationsBeforeRegistering(t *testing.T) {
	clock := newFakeClock()
	runners := newFakeRunners()
	cfg := testConfig(t, clock, runners, deadAddr(t))
	db, err := state.Open(filepath.Join(cfg.DataDir, "client", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	kept, gone := testAlloc("kept", "node"), testAlloc("gone", "node")
	kept.AllocModifyIndex = 7
	for _, a := range []*structs.Allocation{kept, gone} {
		if err := db.PutAllocation(a); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	c := newTestClient(t, cfg)
	// No server answers, yet both runners were restored and run.
	for _, id := range []string{"kept", "gone"} {
		r := runners.get(id)
		if r == nil {
			t.Fatalf("no runner for %s after New", id)
		}
		waitFor(t, "the restored runner to run", func() bool { restored, ran, _, _, _ := r.state(); return restored && ran })
	}

	// Now a server answers, still holding "kept" at the same index and
	// no longer "gone".
	waitFor(t, "the first registration to fail", func() bool { return clock.armedFor(time.Second) })
	srv := newFakeServer(t)
	srv.mu.Lock()
	k := kept.Copy()
	k.NodeID = c.NodeID()
	srv.allocs["kept"] = k
	srv.index = 10
	srv.mu.Unlock()
	c.servers.mu.Lock()
	c.servers.servers = []string{srv.addr}
	c.servers.mu.Unlock()
	clock.Advance(time.Second)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	waitFor(t, "the vanished allocation to be destroyed", func() bool { _, _, d, _, _ := runners.get("gone").state(); return d })
	if _, _, d, _, n := runners.get("kept").state(); d || n != 0 {
		t.Errorf("kept allocation: destroyed %v, %d updates; want neither", d, n)
	}
	if runners.count() != 2 {
		t.Errorf("%d runners made, want the 2 restored", runners.count())
	}
}

func TestShutdownLeavesTasksRunning(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	c, err := New(testConfig(t, clock, runners, srv.addr))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	srv.setAlloc(testAlloc("a1", c.NodeID()))
	waitFor(t, "a runner", func() bool { return runners.get("a1") != nil })
	c.pluginRestarted("mock")
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	r := runners.get("a1")
	if _, _, destroyed, shutdown, _ := r.state(); destroyed || !shutdown {
		t.Errorf("after Shutdown the runner is destroyed=%v shutdown=%v; want shut down only", destroyed, shutdown)
	}
	r.mu.Lock()
	restarts := r.pluginRestarts
	r.mu.Unlock()
	if len(restarts) != 1 || restarts[0] != "mock" {
		t.Errorf("PluginRestarted calls = %v, want [mock]", restarts)
	}
	if err := c.RPC("Node.UpdateStatus", &structs.NodeUpdateStatusRequest{}, &structs.NodeUpdateResponse{}); err != ErrShutdown {
		t.Errorf("RPC after Shutdown = %v, want ErrShutdown", err)
	}
}

// finishAllocs runs allocations a0..a(n-1) and finishes them in order, a
// second apart on the clock.
func finishAllocs(t *testing.T, c *Client, srv *fakeServer, runners *fakeRunners, clock *fakeClock, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("a%d", i)
		ids = append(ids, id)
		srv.setAlloc(testAlloc(id, c.NodeID()))
	}
	for _, id := range ids {
		waitFor(t, "a runner", func() bool { return runners.get(id) != nil })
		runners.get(id).end()
		waitFor(t, "the runner to finish", func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return !c.allocs[id].doneAt.IsZero()
		})
		clock.Advance(time.Second)
	}
	return ids
}

func destroyed(runners *fakeRunners, ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, _, d, _, _ := runners.get(id).state(); d {
			out = append(out, id)
		}
	}
	return out
}

func TestGCKeepsAtMostMaxAllocs(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	cfg := testConfig(t, clock, runners, srv.addr)
	cfg.GCMaxAllocs = 2
	c := newTestClient(t, cfg)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	ids := finishAllocs(t, c, srv, runners, clock, 4)

	c.collect()
	c.destroying.Wait()
	if got := destroyed(runners, ids); fmt.Sprint(got) != "[a0 a1]" {
		t.Fatalf("destroyed %v, want the two oldest [a0 a1]", got)
	}
	if got := storedAllocs(t, c); fmt.Sprint(got) != "[a2 a3]" {
		t.Errorf("local state holds %v, want [a2 a3]", got)
	}
	if got := len(c.Allocations()); got != 2 {
		t.Errorf("%d allocations after GC, want 2", got)
	}
	// The server still lists the collected ones: they are not run again.
	srv.setAlloc(testAlloc("a4", c.NodeID()))
	waitFor(t, "a runner for a4", func() bool { return runners.get("a4") != nil })
	if runners.count() != 5 {
		t.Errorf("%d runners made, want 5", runners.count())
	}
}

func TestGCWhileTheDiskIsFull(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	runners := newFakeRunners()
	cfg := testConfig(t, clock, runners, srv.addr)
	ids := []string{"a0", "a1", "a2", "a3"}
	var full atomic.Bool
	// Once full, each allocation not yet destroyed uses 5% of the disk,
	// on top of 70%: four are 90%, above the default threshold of 80%.
	cfg.diskUsage = func(string) (float64, error) {
		if !full.Load() {
			return 10, nil
		}
		return 70 + 5*float64(len(ids)-len(destroyed(runners, ids))), nil
	}
	c := newTestClient(t, cfg)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	finishAllocs(t, c, srv, runners, clock, len(ids))

	full.Store(true)
	c.collect()
	if got := destroyed(runners, ids); fmt.Sprint(got) != "[a0 a1]" {
		t.Fatalf("destroyed %v, want the two oldest [a0 a1] (90%% down to 80%%)", got)
	}
}

// TestRunnerThatCannotStartFailsTheAlloc reports an allocation whose
// runner cannot be made as failed, with the reason.
func TestRunnerThatCannotStartFailsTheAlloc(t *testing.T) {
	srv := newFakeServer(t)
	clock := newFakeClock()
	cfg := testConfig(t, clock, newFakeRunners(), srv.addr)
	cfg.newRunner = func(*allocrunner.Config) (allocRunner, error) {
		return nil, errors.New("task group \"group\" is not in the job")
	}
	c := newTestClient(t, cfg)
	waitFor(t, "the registration", func() bool { return len(srv.registrations()) == 1 })
	srv.setAlloc(testAlloc("bad", c.NodeID()))
	syncUpdates(t, clock)
	waitFor(t, "the failed status at the server", func() bool { return srv.clientStatus("bad") == structs.AllocClientStatusFailed })
	u := srv.allocUpdates()[0].Alloc[0]
	if !strings.Contains(u.ClientDescription, "is not in the job") {
		t.Errorf("description %q does not say why", u.ClientDescription)
	}
	if got := storedAllocs(t, c); len(got) != 0 {
		t.Errorf("local state keeps %v", got)
	}
}
