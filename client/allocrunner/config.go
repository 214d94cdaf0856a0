package allocrunner

import (
	"math/rand"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/client/serviceregistration"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// DriverManager hands out task drivers by name. *pluginmanager.Manager
// satisfies it. The runner asks for the driver every time it needs it,
// because a plugin may have been relaunched in between.
type DriverManager interface {
	Driver(name string) (plugin.DriverPlugin, error)
}

// Clock is the time source for restart delays and shutdown_delay. Tests
// inject a fake they advance by hand.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func() bool)
}

// Config holds an alloc runner's allocation and dependencies.
type Config struct {
	Alloc  *structs.Allocation
	Node   *structs.Node
	Region string
	// AllocRoot is <data_dir>/alloc; the allocation's directory is
	// AllocRoot/<alloc ID>.
	AllocRoot string
	StateDB   *state.DB
	Drivers   DriverManager
	Logger    hclog.Logger
	// Clock paces restart delays and shutdown_delay; nil is the real clock.
	Clock Clock
	// Rand seeds each task's restart delay jitter; it is read only in New
	// (a *rand.Rand is not safe for concurrent use). nil seeds from the
	// clock.
	Rand *rand.Rand
	// Updater is called, without the runner's locks held, with a copy of
	// the allocation carrying ClientStatus, ClientDescription and
	// TaskStates on every change, one call at a time; changes that come
	// while a call runs are folded into the next. When Run returns, the
	// last call carried the allocation's final state.
	Updater func(*structs.Allocation)
	// LogmonBinary is the nomadish binary run as `nomadish logmon`; ""
	// is os.Executable().
	LogmonBinary string
	Getter       *artifact.Getter

	// DisableLogmon gives tasks /dev/null as stdout and stderr instead of
	// a log collector process. For tests that must not spawn processes.
	DisableLogmon bool
	// StatsInterval paces tasks' resource usage samples; 0 is
	// taskrunner.DefaultStatsInterval and a negative value turns stats off.
	StatsInterval time.Duration
	// Services registers the allocation's services with the servers
	// (services.go); nil registers none.
	Services serviceregistration.RPC
	// Discovery answers templates' nomadService and nomadServices and
	// tells of changes, so that they are rendered again; nil fails such
	// templates.
	Discovery taskrunner.ServiceWatcher
}
