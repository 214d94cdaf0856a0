package nomadish

import (
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// periodicDispatcher launches the children of periodic jobs on their
// schedules. It works on the leader only: SetEnabled(true), called when
// leadership is established, loads every periodic job from the state
// store; the FSM reports each registration and stop through JobChanged;
// SetEnabled(false) stops it and forgets everything.
//
// Launch times come from the job's cron specs in its time zone, read
// from an injected Clock. A launch that was missed (the leader was busy
// or leadership moved) is not caught up: the next launch is the first
// one after now. One goroutine, run, owns the timer and does the
// launching; the mutex guards the maps it shares with JobChanged.
type periodicDispatcher struct {
	clock  Clock
	logger hclog.Logger
	state  func() *state.StateStore
	// launch registers the child of job for launch time at.
	launch func(job *structs.Job, at time.Time) error

	mu      sync.Mutex // guards the fields below
	enabled bool
	tracked map[structs.NamespacedID]*periodicEntry
	changed map[structs.NamespacedID]bool
	wakeCh  chan struct{}
	stopCh  chan struct{}
	doneCh  chan struct{}
}

// periodicEntry is one tracked job and its next launch.
type periodicEntry struct {
	job  *structs.Job
	next time.Time
}

func newPeriodicDispatcher(clock Clock, logger hclog.Logger, st func() *state.StateStore, launch func(*structs.Job, time.Time) error) *periodicDispatcher {
	return &periodicDispatcher{
		clock:   clock,
		logger:  logger.Named("periodic"),
		state:   st,
		launch:  launch,
		tracked: map[structs.NamespacedID]*periodicEntry{},
		changed: map[structs.NamespacedID]bool{},
	}
}

// SetEnabled starts or stops the dispatcher; it is safe to call twice.
func (p *periodicDispatcher) SetEnabled(on bool) {
	p.mu.Lock()
	if on == p.enabled {
		p.mu.Unlock()
		return
	}
	p.enabled = on
	if !on {
		close(p.stopCh)
		done := p.doneCh
		p.tracked = map[structs.NamespacedID]*periodicEntry{}
		p.changed = map[structs.NamespacedID]bool{}
		p.mu.Unlock()
		<-done
		return
	}
	p.wakeCh = make(chan struct{}, 1)
	p.stopCh = make(chan struct{})
	p.doneCh = make(chan struct{})
	if err := p.loadLocked(); err != nil {
		p.logger.Error("loading periodic jobs failed", "error", err)
	}
	go p.run(p.wakeCh, p.stopCh, p.doneCh)
	p.mu.Unlock()
}

// JobChanged is the FSM's hook, called after a job is registered or
// stopped. It only notes the job, so it never blocks the FSM; the run
// loop reads the job back from the state store.
func (p *periodicDispatcher) JobChanged(namespace, jobID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.enabled {
		return
	}
	p.changed[structs.NamespacedID{Namespace: namespace, ID: jobID}] = true
	select {
	case p.wakeCh <- struct{}{}:
	default:
	}
}

// NextLaunch returns a tracked job's next launch, or the zero time.
func (p *periodicDispatcher) NextLaunch(namespace, jobID string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.tracked[structs.NamespacedID{Namespace: namespace, ID: jobID}]; e != nil {
		return e.next
	}
	return time.Time{}
}

// Tracked lists the tracked jobs, sorted.
func (p *periodicDispatcher) Tracked() []structs.NamespacedID {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]structs.NamespacedID, 0, len(p.tracked))
	for k := range p.tracked {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func (p *periodicDispatcher) loadLocked() error {
	it, err := p.state().Jobs(nil)
	if err != nil {
		return err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		p.trackLocked(raw.(*structs.Job))
	}
	return nil
}

// resolveChangedLocked reads back the jobs JobChanged noted.
func (p *periodicDispatcher) resolveChangedLocked() {
	st := p.state()
	for key := range p.changed {
		delete(p.changed, key)
		job, err := st.JobByID(nil, key.Namespace, key.ID)
		if err != nil {
			p.logger.Error("periodic job lookup failed", "job_id", key.ID, "namespace", key.Namespace, "error", err)
			continue
		}
		if job == nil {
			delete(p.tracked, key)
			continue
		}
		p.trackLocked(job)
	}
}

// trackLocked starts, updates or stops tracking job according to its
// spec. An unchanged schedule keeps its next launch.
func (p *periodicDispatcher) trackLocked(job *structs.Job) {
	key := job.NamespacedID()
	if !job.IsPeriodic() || job.Stop {
		delete(p.tracked, key)
		return
	}
	if e := p.tracked[key]; e != nil && reflect.DeepEqual(e.job.Periodic, job.Periodic) {
		e.job = job
		return
	}
	next, err := job.Periodic.Next(p.clock.Now())
	if err != nil {
		p.logger.Error("periodic job has an unusable schedule", "job_id", job.ID, "namespace", job.Namespace, "error", err)
		delete(p.tracked, key)
		return
	}
	p.tracked[key] = &periodicEntry{job: job, next: next}
}

func (p *periodicDispatcher) run(wakeCh, stopCh, doneCh chan struct{}) {
	defer close(doneCh)
	for {
		p.mu.Lock()
		p.resolveChangedLocked()
		var earliest time.Time
		for _, e := range p.tracked {
			if !e.next.IsZero() && (earliest.IsZero() || e.next.Before(earliest)) {
				earliest = e.next
			}
		}
		p.mu.Unlock()

		var timerCh <-chan time.Time
		stop := func() bool { return false }
		if !earliest.IsZero() {
			timerCh, stop = p.clock.NewTimer(max(earliest.Sub(p.clock.Now()), 0))
		}
		select {
		case <-stopCh:
			stop()
			return
		case <-wakeCh:
			stop()
		case <-timerCh:
			p.launchDue()
		}
	}
}

// launchDue launches every job whose next launch has come, in launch time
// order, and schedules each one's following launch.
func (p *periodicDispatcher) launchDue() {
	now := p.clock.Now()
	type launch struct {
		job *structs.Job
		at  time.Time
	}
	var due []launch
	p.mu.Lock()
	for _, e := range p.tracked {
		if e.next.IsZero() || e.next.After(now) {
			continue
		}
		due = append(due, launch{job: e.job, at: e.next})
		next, err := e.job.Periodic.Next(e.next)
		if err == nil && !next.IsZero() && !next.After(now) {
			p.logger.Warn("periodic launches missed; skipping to the next one after now", "job_id", e.job.ID, "missed_from", next)
			next, err = e.job.Periodic.Next(now)
		}
		if err != nil {
			p.logger.Error("periodic job has an unusable schedule", "job_id", e.job.ID, "error", err)
		}
		e.next = next
	}
	p.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].job.NamespacedID().String() < due[j].job.NamespacedID().String()
	})
	for _, l := range due {
		if err := p.launch(l.job, l.at); err != nil {
			p.logger.Error("periodic launch failed", "job_id", l.job.ID, "namespace", l.job.Namespace, "launch", l.at, "error", err)
		}
	}
}

// periodicLaunch is the dispatcher's launch function: it skips a launch
// whose child already exists (the same slot launched again after
// leadership moved) and, with ProhibitOverlap, a launch while an earlier
// child has not finished; otherwise it registers the child.
func (s *Server) periodicLaunch(job *structs.Job, at time.Time) error {
	st := s.State()
	id := periodicChildID(job.ID, at)
	existing, err := st.JobByID(nil, job.Namespace, id)
	if err != nil {
		return err
	}
	if existing != nil {
		s.logger.Debug("periodic child already launched", "job_id", id)
		return nil
	}
	if job.Periodic.ProhibitOverlap {
		running, err := runningPeriodicChild(st, job)
		if err != nil {
			return err
		}
		if running != "" {
			s.logger.Info("periodic launch skipped: an earlier child is still running", "job_id", job.ID, "running", running, "launch", at)
			return nil
		}
	}
	eval, _, err := s.launchPeriodicChild(job, at)
	if err != nil {
		return err
	}
	s.logger.Info("periodic job launched", "job_id", job.ID, "child", id, "eval_id", eval.ID)
	return nil
}
