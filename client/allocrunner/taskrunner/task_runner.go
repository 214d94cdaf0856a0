package taskrunner

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/restarts"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// ErrTaskNotRunning is a restart or signal of a task that is not running.
var ErrTaskNotRunning = errors.New("task is not running")

// DefaultKillTimeout is the kill_timeout of a task that sets none.
const DefaultKillTimeout = 5 * time.Second

// TaskRunner runs one task. Run is its life; the other methods are safe
// to call from any goroutine.
type TaskRunner struct {
	cfg     Config
	task    *structs.Task
	logger  hclog.Logger
	clock   Clock
	tracker *restarts.Tracker

	prestartHooks  []TaskPrestartHook
	poststartHooks []TaskPoststartHook
	exitedHooks    []TaskExitedHook
	stopHooks      []TaskStopHook
	stats          *statsHook

	killCh         chan struct{}       // closed by the first Kill
	restartCh      chan restartRequest // one pending user restart
	pluginCh       chan struct{}       // one pending plugin restart notice
	shutdownCtx    context.Context     // cancelled by Shutdown
	shutdownCancel context.CancelFunc
	waitCh         chan struct{} // closed when Run returned (or Kill before Run)
	skipDelayCh    chan struct{} // closed by SkipShutdownDelay
	skipDelayOnce  sync.Once

	mu sync.Mutex // guards the fields below
	// state is the task's state as the servers see it.
	state *structs.TaskState
	// local is the driver handle and the hooks' state.
	local      *state.LocalTaskState
	runStarted bool
	killed     bool
	// taskID is the driver's ID of the running task; "" when none.
	taskID string
	// restored is set by Restore when the state DB held a handle.
	restored     bool
	stopHooksRan bool
	// destroyed stops all writes to the state DB.
	destroyed bool
	// firstStart is when the task first started in this allocation; its
	// max_run_duration counts from it (max_run_duration.go).
	firstStart time.Time
}

type restartRequest struct {
	failure bool
}

// New returns a runner for cfg.Task. It starts nothing.
func New(cfg *Config) (*TaskRunner, error) {
	if cfg == nil || cfg.Alloc == nil || cfg.Task == nil {
		return nil, errors.New("task runner: config needs an allocation and a task")
	}
	if cfg.AllocDir == nil {
		return nil, fmt.Errorf("task runner %q: config needs an allocation directory", cfg.Task.Name)
	}
	if cfg.Drivers == nil {
		return nil, fmt.Errorf("task runner %q: config needs a driver manager", cfg.Task.Name)
	}
	c := *cfg
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewSource(c.Clock.Now().UnixNano()))
	}
	if c.StatsInterval == 0 {
		c.StatsInterval = DefaultStatsInterval
	}
	jobType := structs.JobTypeService
	var group *structs.TaskGroup
	if c.Alloc.Job != nil {
		jobType = c.Alloc.Job.Type
		group = c.Alloc.Job.LookupTaskGroup(c.Alloc.TaskGroup)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &TaskRunner{
		cfg:     c,
		task:    c.Task,
		logger:  c.Logger.Named("task_runner").With("alloc_id", c.Alloc.ID, "task", c.Task.Name),
		clock:   c.Clock,
		tracker: restarts.NewTracker(restartPolicy(c.Task, group, jobType), trackerJobType(c.Task, jobType), c.Rand),

		killCh:         make(chan struct{}),
		restartCh:      make(chan restartRequest, 1),
		pluginCh:       make(chan struct{}, 1),
		shutdownCtx:    ctx,
		shutdownCancel: cancel,
		waitCh:         make(chan struct{}),
		skipDelayCh:    make(chan struct{}),

		state: &structs.TaskState{State: structs.TaskStatePending},
		local: &state.LocalTaskState{Hooks: map[string][]byte{}},
	}
	tr.initHooks()
	tr.appendEventLocked(NewEvent(EventReceived, "Task received by client"))
	return tr, nil
}

// restartPolicy is the task's own policy, else its group's, else Nomad's
// default for the job type.
func restartPolicy(task *structs.Task, group *structs.TaskGroup, jobType string) *structs.RestartPolicy {
	if task.RestartPolicy != nil {
		return task.RestartPolicy
	}
	if group != nil && group.RestartPolicy != nil {
		return group.RestartPolicy
	}
	if jobType == structs.JobTypeBatch || jobType == structs.JobTypeSysBatch {
		return &structs.RestartPolicy{Attempts: 3, Interval: 24 * time.Hour, Delay: 15 * time.Second, Mode: structs.RestartPolicyModeFail}
	}
	return &structs.RestartPolicy{Attempts: 2, Interval: 30 * time.Minute, Delay: 15 * time.Second, Mode: structs.RestartPolicyModeFail}
}

// trackerJobType is the job type whose success semantics the restart
// tracker applies: an ephemeral lifecycle task (prestart, poststart or
// poststop without sidecar) is done once it succeeds, as a batch task is,
// whatever the job's type.
func trackerJobType(task *structs.Task, jobType string) string {
	if lc := task.Lifecycle; lc != nil && lc.Hook != "" && !lc.Sidecar {
		return structs.JobTypeBatch
	}
	return jobType
}

// initHooks builds the hook chain in the order the hooks run.
func (tr *TaskRunner) initHooks() {
	tr.stats = newStatsHook(tr.cfg.StatsInterval, tr.logger)
	lm := newLogmonHook(tr.cfg.AllocDir, tr.cfg.LogmonBinary, tr.cfg.DisableLogmon, tr.logger)
	tmpl := newTemplatesHook(tr.cfg.Services, tr, tr.clock, tr.cfg.Rand.Int63(), tr.logger.Named("templates"))
	tr.prestartHooks = []TaskPrestartHook{
		newValidateHook(tr.cfg.Drivers),
		newTaskDirHook(tr.cfg.AllocDir, tr.emitEvent),
		newEnvHook(tr.cfg.Node, tr.cfg.Region),
		newVolumesHook(tr.cfg.Node),
		lm,
		newArtifactsHook(tr.cfg.Getter, tr.cfg.AllocDir, tr.emitEvent),
		tmpl,
	}
	de := newDriverEventsHook(tr.emitEvent, tr.logger)
	tr.poststartHooks = []TaskPoststartHook{tr.stats, de, tmpl}
	tr.exitedHooks = []TaskExitedHook{tr.stats, de}
	tr.stopHooks = []TaskStopHook{tr.stats, lm, tmpl}
}

// Restore reads the task's state and local state from the state DB. Call
// it before Run. A task whose handle was persisted is recovered by Run
// instead of started; a task that was dead stays dead.
func (tr *TaskRunner) Restore() error {
	db := tr.cfg.StateDB
	if db == nil {
		return nil
	}
	st, err := db.GetTaskState(tr.cfg.Alloc.ID, tr.task.Name)
	if err != nil {
		return fmt.Errorf("restore state of task %q: %w", tr.task.Name, err)
	}
	ls, err := db.GetLocalTaskState(tr.cfg.Alloc.ID, tr.task.Name)
	if err != nil {
		return fmt.Errorf("restore local state of task %q: %w", tr.task.Name, err)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if st != nil {
		tr.state = st
	}
	if ls != nil {
		if ls.Hooks == nil {
			ls.Hooks = map[string][]byte{}
		}
		tr.local = ls
		tr.restoreFirstStartLocked()
		tr.restored = ls.Handle != nil && tr.state.State != structs.TaskStateDead
	}
	return nil
}

// Task is the task the runner runs.
func (tr *TaskRunner) Task() *structs.Task { return tr.task }

// WaitCh is closed once the runner is done: the task is dead, or the
// runner was shut down.
func (tr *TaskRunner) WaitCh() <-chan struct{} { return tr.waitCh }

// TaskState returns a copy of the task's state.
func (tr *TaskRunner) TaskState() *structs.TaskState {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return copyTaskState(tr.state)
}

// IsDead reports whether the task is dead for good.
func (tr *TaskRunner) IsDead() bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.state.State == structs.TaskStateDead
}

// Stats is the latest resource usage sample of the running task, or nil.
func (tr *TaskRunner) Stats() *plugin.TaskResourceUsage { return tr.stats.latest() }

func copyTaskState(s *structs.TaskState) *structs.TaskState {
	if s == nil {
		return nil
	}
	c := *s
	c.Events = make([]*structs.TaskEvent, len(s.Events))
	for i, e := range s.Events {
		c.Events[i] = copyEvent(e)
	}
	return &c
}
