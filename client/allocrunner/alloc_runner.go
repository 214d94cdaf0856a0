package allocrunner

import (
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/client/serviceregistration"
	"github.com/nomadish/nomadish/nomadish/structs"
)

var (
	// ErrUnknownTask is a task name the allocation's group does not have.
	ErrUnknownTask = errors.New("unknown task")
	// ErrTaskNotRunning is a restart or signal of a task that is not
	// running.
	ErrTaskNotRunning = taskrunner.ErrTaskNotRunning
)

// AllocRunner runs one allocation's tasks.
type AllocRunner struct {
	cfg      Config
	logger   hclog.Logger
	clock    Clock
	allocDir *allocdir.AllocDir
	group    *structs.TaskGroup

	// tasks and names are fixed by New; names is the group's task order.
	tasks  map[string]*taskrunner.TaskRunner
	names  []string
	leader string

	updateCh     chan struct{} // a task's state changed; one pending
	healthCh     chan struct{} // the same, for the health watcher (health.go)
	shutdownCh   chan struct{} // closed by Shutdown
	shutdownOnce sync.Once
	waitCh       chan struct{} // closed when Run returned
	destroyOnce  sync.Once
	// skipDelayCh is closed when the allocation is destroyed or the
	// server asks for no shutdown delay, to skip the group's
	// shutdown_delay or cut short one being waited (shutdown_delay.go).
	skipDelayCh   chan struct{}
	skipDelayOnce sync.Once

	mu sync.Mutex // guards the fields below
	// alloc is the newest server version of the allocation.
	alloc      *structs.Allocation
	started    map[string]bool // tasks whose Run was started
	runStarted bool
	// killing: the allocation is being stopped; only poststop tasks still
	// start, after the others are dead. destroying: not even those.
	killing    bool
	destroying bool
	// stoppedLocally: StopLocally was called (stop_locally.go).
	stoppedLocally bool
	// siblingsKilled: a failed task or dead leader already killed the
	// rest; mainsDeadHandled: sidecars were killed once mains died.
	siblingsKilled   bool
	mainsDeadHandled bool
	// setupErr fails the allocation before any task ran.
	setupErr error
	// health is the deployment health verdict (health.go), once decided.
	health *structs.AllocDeploymentStatus
	// checks runs the allocation's health checks (checks.go) while Run
	// runs; nil when it has none.
	checks *checks.Tracker
	// services registers the allocation's services (services.go) while
	// Run runs; nil when it has none.
	services *serviceregistration.Hook
}

// New returns a runner for cfg.Alloc. It does not start anything.
func New(cfg *Config) (*AllocRunner, error) {
	if cfg == nil || cfg.Alloc == nil {
		return nil, errors.New("alloc runner: config needs an allocation")
	}
	c := *cfg
	alloc := c.Alloc
	if alloc.Job == nil {
		return nil, fmt.Errorf("alloc runner %s: the allocation carries no job", alloc.ID)
	}
	group := alloc.Job.LookupTaskGroup(alloc.TaskGroup)
	if group == nil {
		return nil, fmt.Errorf("alloc runner %s: job %q has no task group %q", alloc.ID, alloc.JobID, alloc.TaskGroup)
	}
	if c.Drivers == nil {
		return nil, fmt.Errorf("alloc runner %s: config needs a driver manager", alloc.ID)
	}
	if c.AllocRoot == "" {
		return nil, fmt.Errorf("alloc runner %s: config needs an alloc root directory", alloc.ID)
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewSource(c.Clock.Now().UnixNano()))
	}
	ar := &AllocRunner{
		cfg:         c,
		logger:      c.Logger.Named("alloc_runner").With("alloc_id", alloc.ID),
		clock:       c.Clock,
		allocDir:    allocdir.New(c.AllocRoot, alloc.ID),
		group:       group,
		tasks:       map[string]*taskrunner.TaskRunner{},
		updateCh:    make(chan struct{}, 1),
		healthCh:    make(chan struct{}, 1),
		shutdownCh:  make(chan struct{}),
		waitCh:      make(chan struct{}),
		alloc:       alloc,
		skipDelayCh: make(chan struct{}),
		started:     map[string]bool{},
	}
	for _, task := range group.Tasks {
		tr, err := taskrunner.New(&taskrunner.Config{
			Alloc:         alloc,
			Task:          task,
			Node:          c.Node,
			Region:        c.Region,
			AllocDir:      ar.allocDir,
			StateDB:       c.StateDB,
			Drivers:       c.Drivers,
			Logger:        c.Logger,
			Clock:         c.Clock,
			Rand:          rand.New(rand.NewSource(c.Rand.Int63())),
			LogmonBinary:  c.LogmonBinary,
			DisableLogmon: c.DisableLogmon,
			Getter:        c.Getter,
			StatsInterval: c.StatsInterval,
			OnStateChange: ar.taskStateChanged,
			Services:      c.Discovery,
		})
		if err != nil {
			return nil, fmt.Errorf("alloc runner %s: %w", alloc.ID, err)
		}
		ar.tasks[task.Name] = tr
		ar.names = append(ar.names, task.Name)
		if task.Leader {
			ar.leader = task.Name
		}
	}
	return ar, nil
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// taskStateChanged wakes the run loop; changes arriving while it is busy
// are folded into one.
func (ar *AllocRunner) taskStateChanged() {
	select {
	case ar.updateCh <- struct{}{}:
	default:
	}
	select {
	case ar.healthCh <- struct{}{}:
	default:
	}
}

// Restore reads the tasks' states and local states from the state DB, so
// that Run recovers the running tasks instead of starting them. Call it
// before Run.
func (ar *AllocRunner) Restore() error {
	var errs []error
	for _, name := range ar.names {
		if err := ar.tasks[name].Restore(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Alloc returns a copy of the allocation carrying the client status,
// client description and task states. The copy is shallow below those
// fields: treat Job and the other pointers as read-only.
func (ar *AllocRunner) Alloc() *structs.Allocation {
	states := ar.taskStates()
	ar.mu.Lock()
	a := *ar.alloc
	setupErr := ar.setupErr
	if ar.health != nil {
		h := *ar.health
		a.DeploymentStatus = &h
	}
	ar.mu.Unlock()
	a.TaskStates = states
	a.ClientStatus, a.ClientDescription = clientStatus(states)
	if setupErr != nil {
		a.ClientStatus = structs.AllocClientStatusFailed
		a.ClientDescription = fmt.Sprintf("Failed to build the allocation directory: %v", setupErr)
	}
	return &a
}

func (ar *AllocRunner) taskStates() map[string]*structs.TaskState {
	states := make(map[string]*structs.TaskState, len(ar.tasks))
	for name, tr := range ar.tasks {
		states[name] = tr.TaskState()
	}
	return states
}

// clientStatus is the allocation's client status as Nomad derives it
// from its tasks: any failed task fails it; else any running task makes
// it running; else any pending one pending; else it is complete.
func clientStatus(states map[string]*structs.TaskState) (string, string) {
	var pending, running, dead, failed bool
	for _, st := range states {
		switch st.State {
		case structs.TaskStateRunning:
			running = true
		case structs.TaskStatePending:
			pending = true
		case structs.TaskStateDead:
			if st.Failed {
				failed = true
			} else {
				dead = true
			}
		}
	}
	switch {
	case failed:
		return structs.AllocClientStatusFailed, "Failed tasks"
	case running:
		return structs.AllocClientStatusRunning, "Tasks are running"
	case pending:
		return structs.AllocClientStatusPending, "No tasks have started"
	case dead:
		return structs.AllocClientStatusComplete, "All tasks have completed"
	}
	return structs.AllocClientStatusPending, "No tasks have started"
}

// WaitCh is closed when Run has returned.
func (ar *AllocRunner) WaitCh() <-chan struct{} { return ar.waitCh }

// AllocDir is the allocation's directory.
func (ar *AllocRunner) AllocDir() *allocdir.AllocDir { return ar.allocDir }

// sendUpdate hands the allocation's current state to the Updater.
func (ar *AllocRunner) sendUpdate() {
	ar.report(ar.Alloc())
}

// report hands a, a copy from Alloc, to the Updater.
func (ar *AllocRunner) report(a *structs.Allocation) {
	if ar.cfg.Updater != nil {
		ar.cfg.Updater(a)
	}
}
