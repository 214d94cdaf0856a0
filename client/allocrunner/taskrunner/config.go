package taskrunner

import (
	"math/rand"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// DriverManager hands out task drivers by name.
type DriverManager interface {
	Driver(name string) (plugin.DriverPlugin, error)
}

// Clock is the time source for restart delays, event times and the
// fallback retry of a broken wait.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// DefaultStatsInterval is how often a running task's resource usage is
// sampled when Config.StatsInterval is zero.
const DefaultStatsInterval = time.Second

// Config holds a task runner's task and dependencies.
type Config struct {
	Alloc *structs.Allocation
	// Task is the task of Alloc's group this runner runs.
	Task     *structs.Task
	Node     *structs.Node
	Region   string
	AllocDir *allocdir.AllocDir
	// StateDB persists the task's state and driver handle; nil persists
	// nothing.
	StateDB *state.DB
	Drivers DriverManager
	Logger  hclog.Logger
	// Clock is the time source; nil is the real clock.
	Clock Clock
	// Rand seeds the restart delay jitter; nil seeds from the clock.
	Rand *rand.Rand
	// LogmonBinary is run as `<binary> logmon`; "" is os.Executable().
	LogmonBinary string
	// DisableLogmon writes the task's output straight into the first log
	// file of each stream instead of through a logmon process, so tests
	// spawn no processes. Logs are not rotated then.
	DisableLogmon bool
	Getter        *artifact.Getter
	// StatsInterval paces resource usage samples; 0 is
	// DefaultStatsInterval and a negative value turns stats off.
	StatsInterval time.Duration
	// OnStateChange is called, without the runner's locks held, after
	// every change of the task's state.
	OnStateChange func()
	// Services is service discovery for templates (nomadService,
	// nomadServices), watched for changes; nil fails such templates.
	Services ServiceWatcher
}
