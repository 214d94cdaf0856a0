package checks

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Service health values, as ServiceRegistration.Health carries them.
const (
	HealthPassing  = "passing"
	HealthCritical = "critical"
	HealthPending  = "pending"
)

// Clock is the time source of check intervals, timeouts and check_restart
// grace. The alloc runner's clock satisfies it; tests inject a fake.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// TrackerConfig is what a Tracker runs on.
type TrackerConfig struct {
	Alloc *structs.Allocation
	// Checks are the checks to run; nil runs AllocChecks(Alloc).
	Checks []*Check
	Clock  Clock
	Logger hclog.Logger
	// Ports resolves a check's port label; nil is AllocPorts(Alloc, "").
	Ports PortResolver
	// Exec runs script checks; nil fails them.
	Exec ExecFunc
	// TaskStarted is when the task last (re)started, zero when it is not
	// running; check_restart counts only failures past grace since then.
	// nil disables check_restart.
	TaskStarted func(task string) time.Time
	// Restart restarts the task through its restart policy, recording ev
	// (CheckRestartEvent). It is called without the tracker's lock held.
	Restart func(task string, ev *structs.TaskEvent)
	// OnChange, when set, is called (without the tracker's lock held)
	// whenever a service's health, and so perhaps AllocHealth, changes:
	// the alloc runner's deployment health watcher waits on it.
	OnChange func()
}

// Tracker runs one allocation's checks and keeps their latest results.
type Tracker struct {
	cfg     TrackerConfig
	logger  hclog.Logger
	changed chan struct{}

	runOnce  sync.Once
	stopOnce sync.Once
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu     sync.Mutex // guards the fields below
	checks []*checkState
}

// checkState is one check's running state; the tracker's mu guards the
// fields after probe.
type checkState struct {
	check *Check
	probe prober

	status              string
	result              *structs.CheckQueryResult
	successes, failures int // consecutive raw results
	runs                int // results recorded, for tests to step by
	// restartStart is the task start restartFails counts since.
	restartStart time.Time
	restartFails int
}

// NewTracker returns a tracker of cfg's checks, each in its initial
// status (pending unless initial_status says otherwise). Start runs them.
func NewTracker(cfg TrackerConfig) *Tracker {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Checks == nil {
		cfg.Checks = AllocChecks(cfg.Alloc)
	}
	if cfg.Ports == nil {
		cfg.Ports = AllocPorts(cfg.Alloc, "")
	}
	allocID := ""
	if cfg.Alloc != nil {
		allocID = cfg.Alloc.ID
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Tracker{
		cfg:     cfg,
		logger:  cfg.Logger.Named("checks").With("alloc_id", allocID),
		changed: make(chan struct{}, 1),
		ctx:     ctx,
		cancel:  cancel,
	}
	now := cfg.Clock.Now()
	for _, c := range cfg.Checks {
		st := &checkState{check: c, probe: newProber(c, cfg.Ports, cfg.Exec), status: statusOf(c.Def.InitialStatus)}
		st.result = st.resultAt(now, "", 0)
		t.checks = append(t.checks, st)
	}
	return t
}

func (st *checkState) resultAt(now time.Time, output string, code int) *structs.CheckQueryResult {
	c := st.check
	return &structs.CheckQueryResult{
		ID: c.ID, Mode: c.Mode, Status: st.status, StatusCode: code, Output: output,
		Timestamp: now.Unix(), Group: c.Group, Task: c.Task, Service: c.Service, Check: c.Def.Name,
	}
}

// Start runs every check now and then on its interval, until Stop.
func (t *Tracker) Start() {
	t.runOnce.Do(func() {
		for _, st := range t.checks {
			t.wg.Add(1)
			go t.loop(st)
		}
	})
}

// Stop ends the checks and waits for their loops; a probe under way is
// cancelled.
func (t *Tracker) Stop() {
	t.stopOnce.Do(func() {
		t.cancel()
		t.wg.Wait()
	})
}

// Changed receives, without blocking the tracker and folding changes
// together, whenever a service's health changes.
func (t *Tracker) Changed() <-chan struct{} { return t.changed }

// Results is a copy of every check's latest result, by ID.
func (t *Tracker) Results() map[string]*structs.CheckQueryResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]*structs.CheckQueryResult, len(t.checks))
	for _, st := range t.checks {
		r := *st.result
		out[r.ID] = &r
	}
	return out
}

// ServiceHealth folds a service's healthiness checks: passing when all
// succeed (or it has none), critical when any fails, else pending.
// Readiness checks (on_update = "ignore") do not count.
func (t *Tracker) ServiceHealth(service string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.serviceHealthLocked(service)
}

// AllocHealth folds every healthiness check of the allocation, of every
// service, as ServiceHealth folds one service's: what a deployment with
// health_check = "checks" waits on.
func (t *Tracker) AllocHealth() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.serviceHealthLocked("")
}

// serviceHealthLocked folds the checks of service ("" for every service).
func (t *Tracker) serviceHealthLocked(service string) string {
	health := HealthPassing
	for _, st := range t.checks {
		if (service != "" && st.check.Service != service) || st.check.Mode == structs.CheckModeReadiness {
			continue
		}
		switch st.status {
		case structs.CheckFailure:
			return HealthCritical
		case structs.CheckPending:
			health = HealthPending
		}
	}
	return health
}

// loop runs one check until the tracker stops. The next run's timer is
// armed before a result is recorded, so whoever sees the result may count
// on the timer (tests advance a fake clock past it).
func (t *Tracker) loop(st *checkState) {
	defer t.wg.Done()
	for {
		res, ok := t.runCheck(st)
		if !ok {
			return
		}
		next, stop := t.cfg.Clock.NewTimer(st.check.interval())
		t.record(st, res)
		select {
		case <-next:
		case <-t.ctx.Done():
			stop()
			return
		}
	}
}

// runCheck runs the check once, bounded by its timeout; false means the
// tracker stopped first.
func (t *Tracker) runCheck(st *checkState) (probeResult, bool) {
	ctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	timeout := st.check.timeout()
	expired, stopTimer := t.cfg.Clock.NewTimer(timeout)
	defer stopTimer()
	// Buffered: a probe that outlives its timeout ends on its own once its
	// context is cancelled, without anyone waiting for it.
	done := make(chan probeResult, 1)
	go func() { done <- st.probe(ctx) }()
	select {
	case res := <-done:
		return res, true
	case <-expired:
		cancel()
		return failed("check %q timed out after %s", st.check.Def.Name, timeout), true
	case <-t.ctx.Done():
		return probeResult{}, false
	}
}

// record applies one raw result: success_before_passing successes in a
// row make the check pass, failures_before_critical failures in a row
// make a passing check fail; then check_restart is judged.
func (t *Tracker) record(st *checkState, res probeResult) {
	now := t.cfg.Clock.Now()
	c := st.check
	t.mu.Lock()
	before := t.serviceHealthLocked(c.Service)
	if res.ok {
		st.successes++
		st.failures = 0
		if st.status != structs.CheckSuccess && st.successes >= max(1, c.Def.SuccessBeforePassing) {
			st.status = structs.CheckSuccess
		}
	} else {
		st.failures++
		st.successes = 0
		if st.status != structs.CheckFailure && st.failures >= max(1, c.Def.FailuresBeforeCritical) {
			st.status = structs.CheckFailure
		}
	}
	st.runs++
	st.result = st.resultAt(now, res.output, res.statusCode)
	after := t.serviceHealthLocked(c.Service)
	restartTask, ev := t.judgeRestartLocked(st, now)
	t.mu.Unlock()

	if before != after {
		t.logger.Debug("service health changed", "service", c.Service, "from", before, "to", after)
		select {
		case t.changed <- struct{}{}:
		default:
		}
		if t.cfg.OnChange != nil {
			t.cfg.OnChange()
		}
	}
	if ev != nil {
		t.logger.Info("restarting task for its failing check", "task", restartTask, "check", c.Def.Name, "failures", c.Restart.Limit)
		t.cfg.Restart(restartTask, ev)
	}
}
