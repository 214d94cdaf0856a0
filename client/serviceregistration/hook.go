package serviceregistration

import (
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// RPC is what the hook needs of the servers. The client implements it
// with the node's secret, which the servers check: a node may register
// and remove only its own allocations' instances.
type RPC interface {
	UpsertServices(regs []*structs.ServiceRegistration) error
	DeleteAllocServices(allocID string) error
}

// HealthSource is the allocation's check tracker (*checks.Tracker).
type HealthSource interface {
	ServiceHealth(service string) string
	Changed() <-chan struct{}
}

// Clock paces retries; tests inject a fake.
type Clock interface {
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// DefaultRetryInterval is how long the hook waits before sending again
// after a server refused or could not be reached.
const DefaultRetryInterval = 5 * time.Second

// Config holds a hook's allocation and dependencies.
type Config struct {
	Alloc  *structs.Allocation
	Node   *structs.Node
	RPC    RPC
	Logger hclog.Logger
	Clock  Clock
	// Health is nil for an allocation without checks.
	Health HealthSource
	// RetryInterval is 0 for DefaultRetryInterval.
	RetryInterval time.Duration
}

// Hook keeps one allocation's registrations in step with its tasks and
// their checks. One goroutine (loop) sends; Update, Deregister and Stop
// only record and wake it, except that Deregister also sends the removal
// itself, so that services leave discovery before the allocation waits
// its shutdown_delay.
type Hook struct {
	cfg    Config
	logger hclog.Logger
	kick   chan struct{}
	stopCh chan struct{}
	doneCh chan struct{}
	once   sync.Once

	mu sync.Mutex // guards the fields below
	// alloc is the newest view of the allocation, with task states.
	alloc *structs.Allocation
	// sent is what the servers hold as far as the hook knows.
	sent []*structs.ServiceRegistration
	// deregistered: the allocation is stopping; nothing is registered
	// again. deletePending: the removal has not been acknowledged.
	deregistered  bool
	deletePending bool
	skippedLogged map[string]bool
	started       bool
}

// New returns a hook; Start starts it.
func New(cfg Config) *Hook {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	return &Hook{
		cfg:           cfg,
		logger:        cfg.Logger.Named("services"),
		kick:          make(chan struct{}, 1),
		stopCh:        make(chan struct{}),
		doneCh:        make(chan struct{}),
		alloc:         cfg.Alloc,
		skippedLogged: map[string]bool{},
	}
}

// HasServices reports whether the allocation's group or tasks declare a
// service at all; an allocation without one needs no hook.
func HasServices(a *structs.Allocation) bool {
	if a == nil || a.Job == nil {
		return false
	}
	tg := a.Job.LookupTaskGroup(a.TaskGroup)
	if tg == nil {
		return false
	}
	if len(tg.Services) > 0 {
		return true
	}
	for _, t := range tg.Tasks {
		if t != nil && len(t.Services) > 0 {
			return true
		}
	}
	return false
}

// Start starts the loop.
func (h *Hook) Start() {
	h.mu.Lock()
	h.started = true
	h.mu.Unlock()
	go h.loop()
	h.wake()
}

// Update gives the hook a newer view of the allocation (task states,
// deployment status); it registers what changed.
func (h *Hook) Update(a *structs.Allocation) {
	if a == nil {
		return
	}
	h.mu.Lock()
	h.alloc = a
	h.mu.Unlock()
	h.wake()
}

// Deregister removes the allocation's instances now and for good: the
// allocation is stopping. It tries once itself and leaves retries to the
// loop. Safe to call more than once.
func (h *Hook) Deregister() {
	h.mu.Lock()
	if h.deregistered {
		h.mu.Unlock()
		return
	}
	h.deregistered = true
	had := len(h.sent) > 0
	h.deletePending = had
	h.mu.Unlock()
	if !had {
		return
	}
	h.sendDelete()
	h.wake()
}

// Stop ends the loop and waits for it. A removal still unacknowledged is
// abandoned; the node's instances go when the node is marked down.
func (h *Hook) Stop() {
	h.once.Do(func() { close(h.stopCh) })
	h.mu.Lock()
	started := h.started
	h.mu.Unlock()
	if started {
		<-h.doneCh
	}
}

func (h *Hook) wake() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

func (h *Hook) loop() {
	defer close(h.doneCh)
	var healthCh <-chan struct{}
	if h.cfg.Health != nil {
		healthCh = h.cfg.Health.Changed()
	}
	var retry <-chan time.Time
	var stopRetry func() bool
	for {
		select {
		case <-h.stopCh:
			if stopRetry != nil {
				stopRetry()
			}
			return
		case <-h.kick:
		case <-healthCh:
		case <-retry:
			retry, stopRetry = nil, nil
		}
		if h.sync() || retry != nil {
			continue
		}
		retry, stopRetry = h.cfg.Clock.NewTimer(h.cfg.RetryInterval)
	}
}

// sync sends what differs between the wanted and the sent state; false
// means a send failed and should be retried.
func (h *Hook) sync() bool {
	h.mu.Lock()
	if h.deregistered {
		pending := h.deletePending
		h.mu.Unlock()
		if pending {
			return h.sendDelete()
		}
		return true
	}
	alloc := h.alloc
	sent := h.sent
	h.mu.Unlock()

	in := Inputs{Alloc: alloc, Node: h.cfg.Node, Running: runningIn(alloc)}
	if h.cfg.Health != nil {
		in.Health = h.cfg.Health.ServiceHealth
	}
	want, skipped := Build(in)
	for _, s := range skipped {
		h.mu.Lock()
		logged := h.skippedLogged[s.Service]
		h.skippedLogged[s.Service] = true
		h.mu.Unlock()
		if !logged {
			h.logger.Info("service not registered", "service", s.Service, "reason", s.Reason)
		}
	}
	if len(want) > structs.MaxServiceRegistrationsPerAlloc {
		h.logger.Warn("allocation declares more service instances than are accepted; registering the first ones",
			"instances", len(want), "max", structs.MaxServiceRegistrationsPerAlloc)
		want = want[:structs.MaxServiceRegistrationsPerAlloc]
	}
	if sameSet(want, sent) {
		return true
	}
	if len(want) == 0 {
		// Every task stopped running (a restart, say): the instances
		// must not be answered meanwhile.
		return h.sendDeleteThen(nil)
	}
	if removed := missing(sent, want); removed {
		// Removing some instances is done by removing all and
		// registering the rest, in that order, so nothing stale stays.
		if !h.sendDeleteThen(nil) {
			return false
		}
	}
	if err := h.cfg.RPC.UpsertServices(want); err != nil {
		h.logger.Warn("failed to register services; will retry", "error", err)
		return false
	}
	h.mu.Lock()
	if h.deregistered {
		// Deregister ran while the upsert was in flight: what the
		// upsert wrote must go too.
		h.deletePending = true
		h.mu.Unlock()
		return h.sendDelete()
	}
	h.sent = want
	h.mu.Unlock()
	return true
}

func (h *Hook) sendDeleteThen(next []*structs.ServiceRegistration) bool {
	if err := h.cfg.RPC.DeleteAllocServices(h.cfg.Alloc.ID); err != nil {
		h.logger.Warn("failed to remove services; will retry", "error", err)
		return false
	}
	h.mu.Lock()
	h.sent = next
	h.mu.Unlock()
	return true
}

func (h *Hook) sendDelete() bool {
	if err := h.cfg.RPC.DeleteAllocServices(h.cfg.Alloc.ID); err != nil {
		h.logger.Warn("failed to remove services; will retry", "error", err)
		return false
	}
	h.mu.Lock()
	h.sent = nil
	h.deletePending = false
	h.mu.Unlock()
	h.logger.Debug("services removed")
	return true
}

// runningIn reports a task running from the allocation's task states.
func runningIn(a *structs.Allocation) func(string) bool {
	return func(task string) bool {
		if a == nil {
			return false
		}
		st := a.TaskStates[task]
		return st != nil && st.State == structs.TaskStateRunning
	}
}

func sameSet(a, b []*structs.ServiceRegistration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// missing reports whether an instance of old is not in new.
func missing(old, new []*structs.ServiceRegistration) bool {
	ids := map[string]bool{}
	for _, r := range new {
		ids[r.ID] = true
	}
	for _, r := range old {
		if !ids[r.ID] {
			return true
		}
	}
	return false
}

type wallClock struct{}

func (wallClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}
