package nomadish

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func periodicJob(id, spec string) *structs.Job {
	j := &structs.Job{
		ID: id, Type: structs.JobTypeBatch, Datacenters: []string{"dc1"},
		Periodic: &structs.PeriodicConfig{Enabled: true, Spec: spec},
		TaskGroups: []*structs.TaskGroup{{
			Name: "work", Count: 1,
			Tasks: []*structs.Task{{Name: "t", Driver: "mock"}},
		}},
	}
	j.Canonicalize()
	return j
}

type launchRecord struct {
	id string
	at time.Time
}

// dispatcherHarness runs a dispatcher over a real state store with a fake
// clock and a launcher that records.
type dispatcherHarness struct {
	st       *state.StateStore
	clock    *fakeClock
	p        *periodicDispatcher
	launches chan launchRecord
	index    uint64
}

func newDispatcherHarness(t *testing.T, now time.Time) *dispatcherHarness {
	t.Helper()
	st, err := state.NewStateStore(hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	h := &dispatcherHarness{st: st, clock: newFakeClock(now), launches: make(chan launchRecord, 16), index: 100}
	h.p = newPeriodicDispatcher(h.clock, testLogger("periodic"), func() *state.StateStore { return st }, func(job *structs.Job, at time.Time) error {
		h.launches <- launchRecord{job.ID, at}
		return nil
	})
	t.Cleanup(func() { h.p.SetEnabled(false) })
	return h
}

func (h *dispatcherHarness) upsert(t *testing.T, job *structs.Job) {
	t.Helper()
	h.index++
	if err := h.st.UpsertJob(h.index, job); err != nil {
		t.Fatal(err)
	}
	h.p.JobChanged(job.Namespace, job.ID)
}

// advance waits for the dispatcher to arm its timer, then moves the clock.
func (h *dispatcherHarness) advance(t *testing.T, d time.Duration) {
	t.Helper()
	waitFor(t, 5*time.Second, func() error {
		if h.clock.Armed() == 0 {
			return fmt.Errorf("dispatcher has not armed a timer")
		}
		return nil
	})
	h.clock.Advance(d)
}

func (h *dispatcherHarness) expectLaunch(t *testing.T, id string, at time.Time) {
	t.Helper()
	select {
	case l := <-h.launches:
		if l.id != id || !l.at.Equal(at) {
			t.Fatalf("launch = %s at %s, want %s at %s", l.id, l.at, id, at)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no launch of %s at %s", id, at)
	}
}

func TestPeriodicDispatcher_LaunchesOnScheduleWithFakeClock(t *testing.T) {
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	h := newDispatcherHarness(t, start)
	h.upsert(t, periodicJob("report", "*/15 * * * *"))
	h.p.SetEnabled(true)

	if got := h.p.NextLaunch("default", "report"); !got.Equal(start.Add(15 * time.Minute)) {
		t.Fatalf("next launch = %s", got)
	}
	h.advance(t, 15*time.Minute)
	h.expectLaunch(t, "report", start.Add(15*time.Minute))

	h.advance(t, 15*time.Minute)
	h.expectLaunch(t, "report", start.Add(30*time.Minute))

	// Launches missed while the clock jumped are not caught up: one
	// launch for the slot that came due, then the first slot after now.
	h.advance(t, 2*time.Hour)
	h.expectLaunch(t, "report", start.Add(45*time.Minute))
	waitFor(t, 5*time.Second, func() error {
		if got, want := h.p.NextLaunch("default", "report"), start.Add(2*time.Hour+45*time.Minute); !got.Equal(want) {
			return fmt.Errorf("next launch = %s, want %s", got, want)
		}
		return nil
	})
	select {
	case l := <-h.launches:
		t.Fatalf("missed launch caught up: %+v", l)
	default:
	}
}

func TestPeriodicDispatcher_TracksRegistrationsAndStops(t *testing.T) {
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	h := newDispatcherHarness(t, start)
	h.p.SetEnabled(true)
	if n := len(h.p.Tracked()); n != 0 {
		t.Fatalf("tracked %d jobs in an empty state", n)
	}

	job := periodicJob("hourly", "0 * * * *")
	h.upsert(t, job)
	other := mockJob("not-periodic")
	other.Canonicalize()
	h.upsert(t, other)
	tracked := func(want ...string) {
		t.Helper()
		waitFor(t, 5*time.Second, func() error {
			got := h.p.Tracked()
			if len(got) != len(want) {
				return fmt.Errorf("tracked %v, want %v", got, want)
			}
			for i := range want {
				if got[i].ID != want[i] {
					return fmt.Errorf("tracked %v, want %v", got, want)
				}
			}
			return nil
		})
	}
	tracked("hourly")

	// A changed schedule reschedules.
	changed := job.Copy()
	changed.Periodic.Spec = "30 * * * *"
	h.upsert(t, changed)
	waitFor(t, 5*time.Second, func() error {
		if got := h.p.NextLaunch("default", "hourly"); !got.Equal(start.Add(30 * time.Minute)) {
			return fmt.Errorf("next launch = %s", got)
		}
		return nil
	})

	stopped := changed.Copy()
	stopped.Stop = true
	h.upsert(t, stopped)
	tracked()

	// Disabling forgets; enabling again reloads from the state store.
	h.upsert(t, changed)
	tracked("hourly")
	h.p.SetEnabled(false)
	tracked()
	h.p.SetEnabled(true)
	tracked("hourly")
}

func TestPeriodicDispatcher_TimeZone(t *testing.T) {
	start := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	h := newDispatcherHarness(t, start)
	job := periodicJob("morning", "0 9 * * *")
	job.Periodic.TimeZone = "Europe/Berlin" // UTC+2 in July
	h.upsert(t, job)
	h.p.SetEnabled(true)
	want := time.Date(2024, 7, 2, 7, 0, 0, 0, time.UTC)
	if got := h.p.NextLaunch("default", "morning"); !got.Equal(want) {
		t.Fatalf("next launch = %s, want %s", got.UTC(), want)
	}
	h.advance(t, 19*time.Hour)
	h.expectLaunch(t, "morning", want)
}

func TestPeriodicLaunch_OnLeaderWithFakeClock(t *testing.T) {
	start := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	s := testServer(t, func(c *Config) { c.Clock = clock })
	waitForLeader(t, s)

	job := periodicJob("report", "*/15 * * * *")
	job.Periodic.ProhibitOverlap = true
	registerJob(t, s, job)
	waitFor(t, 5*time.Second, func() error {
		if len(s.periodic.Tracked()) != 1 {
			return fmt.Errorf("tracked %v", s.periodic.Tracked())
		}
		return nil
	})
	waitFor(t, 5*time.Second, func() error {
		if clock.Armed() == 0 {
			return fmt.Errorf("no timer armed")
		}
		return nil
	})
	clock.Advance(15 * time.Minute)

	launch := start.Add(15 * time.Minute)
	childID := fmt.Sprintf("report/periodic-%d", launch.Unix())
	var child *structs.Job
	waitFor(t, 5*time.Second, func() error {
		var err error
		child, err = s.State().JobByID(nil, "default", childID)
		if err == nil && child == nil {
			err = fmt.Errorf("child %s not launched", childID)
		}
		return err
	})
	if child.ParentID != "report" || child.Periodic != nil || child.Type != structs.JobTypeBatch {
		t.Fatalf("child = %+v", child)
	}
	// The launch's evaluation, and perhaps a blocked one a worker made
	// for its queued allocations (there are no nodes).
	evals, _ := s.State().EvalsByJob(nil, "default", childID)
	var launched []*structs.Evaluation
	for _, e := range evals {
		if e.TriggeredBy != structs.EvalTriggerQueuedAllocs {
			launched = append(launched, e)
		}
	}
	if len(launched) != 1 || launched[0].TriggeredBy != structs.EvalTriggerPeriodicJob {
		t.Fatalf("child evals = %+v", launched)
	}

	// The child has not finished (no scheduler runs it), so with
	// ProhibitOverlap the next launch is skipped; the same slot launched
	// twice is skipped too.
	parent, _ := s.State().JobByID(nil, "default", "report")
	if err := s.periodicLaunch(parent, launch); err != nil {
		t.Fatal(err)
	}
	next := launch.Add(15 * time.Minute)
	if err := s.periodicLaunch(parent, next); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.State().JobByID(nil, "default", fmt.Sprintf("report/periodic-%d", next.Unix())); j != nil {
		t.Fatal("overlapping launch went ahead")
	}
	// Without ProhibitOverlap it goes ahead.
	parent = parent.Copy()
	parent.Periodic.ProhibitOverlap = false
	if err := s.periodicLaunch(parent, next); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.State().JobByID(nil, "default", fmt.Sprintf("report/periodic-%d", next.Unix())); j == nil {
		t.Fatal("launch without ProhibitOverlap skipped")
	}
	evals, _ = s.State().EvalsByJob(nil, "default", childID)
	relaunched := 0
	for _, e := range evals {
		if e.TriggeredBy == structs.EvalTriggerPeriodicJob {
			relaunched++
		}
	}
	if relaunched != 1 {
		t.Fatalf("relaunch of the same slot made %d periodic evals", relaunched)
	}
}
