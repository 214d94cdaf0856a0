package pluginmanager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// Defaults for the Config fields left zero.
const (
	DefaultHealthInterval    = 10 * time.Second
	DefaultPingTimeout       = 5 * time.Second
	DefaultRestartBackoff    = 1 * time.Second
	DefaultMaxRestartBackoff = 1 * time.Minute
)

var (
	// ErrUnknownDriver is returned by Driver for a name not in Config.Drivers.
	ErrUnknownDriver = errors.New("driver is not configured")
	// ErrPluginDown is returned by Driver while a plugin is not running,
	// before the health loop has relaunched it.
	ErrPluginDown = errors.New("driver plugin is not running")
	// ErrClosed is returned by Driver after Shutdown or Close.
	ErrClosed = errors.New("plugin manager is closed")
)

// Config holds the manager's settings and dependencies.
type Config struct {
	// Binary is the nomadish binary a plugin is launched from, as
	// `Binary plugin <driver>`; empty is this process's own executable.
	Binary string
	// Drivers are the drivers to run, one plugin process each.
	Drivers []string
	// StateFile is the JSON file of the plugins' reattach configs. Empty
	// keeps nothing, so a new manager launches every plugin afresh.
	StateFile string
	Logger    hclog.Logger
	// Clock paces the health loop and the restart back-off; nil is the
	// real clock.
	Clock Clock
	// HealthInterval is the time between two health checks of every
	// plugin; PingTimeout bounds one check.
	HealthInterval time.Duration
	PingTimeout    time.Duration
	// RestartBackoff is the wait after a failed relaunch, doubled on each
	// further failure up to MaxRestartBackoff.
	RestartBackoff    time.Duration
	MaxRestartBackoff time.Duration
	// OnRestart is called from the health loop after a plugin has been
	// relaunched, so the client can recover the driver's tasks on it (get
	// the new driver with Driver). It must not call Shutdown or Close.
	OnRestart func(driver string)
	// DataDir, when set, gives each plugin a directory of its own,
	// DataDir/<driver> (created 0700), named by the NOMADISH_PLUGIN_DIR
	// environment variable of the plugin process: the wasm driver keeps
	// its compile cache there.
	DataDir string
	// PluginConfigs are the drivers' plugin configs as JSON objects, by
	// driver name. Each plugin gets its own with SetConfig after every
	// launch and re-attach; a driver without one gets "{}".
	PluginConfigs map[string][]byte
}

// PluginDirEnv is the environment variable naming a plugin's own
// directory (see Config.DataDir).
const PluginDirEnv = "NOMADISH_PLUGIN_DIR"

// Manager launches, re-attaches to, health-checks and relaunches the
// client's driver plugins. Its methods are safe for concurrent use.
type Manager struct {
	cfg    Config
	logger hclog.Logger
	clock  Clock

	mu sync.Mutex // guards the fields below and every instance's fields
	// plugins are the configured drivers' plugins by driver name.
	plugins map[string]*instance
	// unconfigured are state-file entries for drivers no longer
	// configured. They are left running and carried over, not touched.
	unconfigured    map[string]*plugin.ReattachConfig
	started, closed bool

	stateMu sync.Mutex // serializes writes of the state file

	stop     chan struct{} // closed to stop the health loop
	loopDone chan struct{} // closed when the health loop has returned
}

// instance is one driver's plugin.
type instance struct {
	// client is nil while the plugin is down; rc is its reattach config.
	client *plugin.Client
	rc     *plugin.ReattachConfig
	// lastErr is why the plugin is down. failures counts relaunches that
	// failed in a row; none is tried before nextAttempt.
	lastErr     error
	failures    int
	nextAttempt time.Time
}

// New returns a manager for cfg. Nothing is launched until Start.
func New(cfg Config) (*Manager, error) {
	if cfg.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("plugin manager: find the nomadish binary: %w", err)
		}
		cfg.Binary = exe
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.HealthInterval <= 0 {
		cfg.HealthInterval = DefaultHealthInterval
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = DefaultPingTimeout
	}
	if cfg.RestartBackoff <= 0 {
		cfg.RestartBackoff = DefaultRestartBackoff
	}
	if cfg.MaxRestartBackoff < cfg.RestartBackoff {
		cfg.MaxRestartBackoff = max(DefaultMaxRestartBackoff, cfg.RestartBackoff)
	}
	plugins := make(map[string]*instance, len(cfg.Drivers))
	for _, name := range cfg.Drivers {
		if name == "" {
			return nil, errors.New("plugin manager: a driver name is empty")
		}
		if plugins[name] != nil {
			return nil, fmt.Errorf("plugin manager: driver %q is listed twice", name)
		}
		plugins[name] = &instance{}
	}
	return &Manager{
		cfg:          cfg,
		logger:       cfg.Logger.Named("plugin_manager"),
		clock:        cfg.Clock,
		plugins:      plugins,
		unconfigured: map[string]*plugin.ReattachConfig{},
		stop:         make(chan struct{}),
		loopDone:     make(chan struct{}),
	}, nil
}

// Start re-attaches to every plugin in the state file that still answers
// and launches the others, writes the state file and starts the health
// loop. A state file that cannot be read is logged and ignored. A plugin
// that fails to launch is logged and left to the health loop to retry;
// Driver reports why meanwhile. The error is for the state file write.
func (m *Manager) Start() error {
	m.mu.Lock()
	if m.started || m.closed {
		m.mu.Unlock()
		return errors.New("plugin manager: Start called twice or after Shutdown")
	}
	m.started = true
	m.mu.Unlock()

	saved := &state{Plugins: map[string]*plugin.ReattachConfig{}}
	if m.cfg.StateFile != "" {
		var err error
		if saved, err = readState(m.cfg.StateFile); err != nil {
			m.logger.Error("ignoring the plugin state file; launching every plugin afresh", "path", m.cfg.StateFile, "error", err)
		}
	}

	for _, name := range m.names() {
		inst := m.plugins[name]
		if rc := saved.Plugins[name]; rc != nil {
			delete(saved.Plugins, name)
			c, err := m.reattach(name, rc)
			if err == nil {
				m.logger.Info("re-attached to driver plugin", "driver", name, "pid", rc.Pid)
				m.mu.Lock()
				inst.client, inst.rc = c, rc
				m.mu.Unlock()
				continue
			}
			m.logger.Warn("cannot re-attach to driver plugin; launching a new one", "driver", name, "pid", rc.Pid, "error", err)
		}
		m.relaunch(name, inst)
	}

	m.mu.Lock()
	for name, rc := range saved.Plugins {
		m.logger.Warn("state file names a plugin for a driver that is not configured; leaving it running", "driver", name, "pid", rc.Pid)
		m.unconfigured[name] = rc
	}
	m.mu.Unlock()

	err := m.persist()
	go m.healthLoop()
	return err
}

// Driver returns the named driver's plugin. After OnRestart the plugin is
// a new one: call Driver again rather than keeping the old value.
func (m *Manager) Driver(name string) (plugin.DriverPlugin, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	inst, ok := m.plugins[name]
	if !ok {
		return nil, fmt.Errorf("driver %q: %w", name, ErrUnknownDriver)
	}
	if inst.client == nil {
		if inst.lastErr != nil {
			return nil, fmt.Errorf("driver %q: %w: %w", name, ErrPluginDown, inst.lastErr)
		}
		return nil, fmt.Errorf("driver %q: %w", name, ErrPluginDown)
	}
	return inst.client.Driver, nil
}

// ReattachConfig returns how the named driver's running plugin is reached,
// including its PID, and false while it is down.
func (m *Manager) ReattachConfig(name string) (plugin.ReattachConfig, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inst, ok := m.plugins[name]
	if !ok || inst.rc == nil {
		return plugin.ReattachConfig{}, false
	}
	return *inst.rc, true
}

// Shutdown stops the health loop and lets go of the plugins. With
// killPlugins false (the agent restarting) the plugins and their tasks keep
// running and the state file keeps their reattach configs for the next
// manager. With killPlugins true every plugin is stopped, gracefully and
// then by force, and dropped from the state file.
func (m *Manager) Shutdown(killPlugins bool) error {
	if !m.close() {
		return nil
	}
	if killPlugins {
		for _, name := range m.names() {
			m.mu.Lock()
			inst := m.plugins[name]
			c := inst.client
			inst.client, inst.rc = nil, nil
			m.mu.Unlock()
			if c != nil {
				m.logger.Info("stopping driver plugin", "driver", name)
				c.Kill()
			}
		}
	}
	return m.persist()
}

// Close stops the health loop and drops the manager's hold on the plugins
// without stopping them or writing the state file.
func (m *Manager) Close() {
	m.close()
}

// close marks the manager closed and waits for the health loop to return.
// It reports false if the manager was already closed.
func (m *Manager) close() bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	m.closed = true
	started := m.started
	m.mu.Unlock()
	close(m.stop)
	if started {
		<-m.loopDone
	}
	return true
}

// names returns the configured drivers sorted, for a stable order.
func (m *Manager) names() []string {
	names := make([]string, 0, len(m.plugins))
	for name := range m.plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// launch starts `Binary plugin <name>` with its plugin directory in the
// environment, connects to it and hands it its config.
func (m *Manager) launch(name string) (*plugin.Client, *plugin.ReattachConfig, error) {
	cmd := exec.Command(m.cfg.Binary, "plugin", name)
	if m.cfg.DataDir != "" {
		dir := filepath.Join(m.cfg.DataDir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("launch driver plugin %q: create its directory: %w", name, err)
		}
		// go-plugin appends the agent's own environment after this, so
		// an agent started with NOMADISH_PLUGIN_DIR set would override
		// it; agents are not started from inside plugins.
		cmd.Env = []string{PluginDirEnv + "=" + dir}
	}
	c, rc, err := plugin.LaunchCmd(cmd, m.cfg.Logger.Named("plugin").Named(name))
	if err != nil {
		return nil, nil, err
	}
	if err := m.ping(name, c); err != nil {
		c.Kill()
		return nil, nil, fmt.Errorf("launch driver plugin %q: %w", name, err)
	}
	if err := m.setConfig(name, c); err != nil {
		c.Kill()
		return nil, nil, fmt.Errorf("launch driver plugin %q: %w", name, err)
	}
	return c, rc, nil
}

// setConfig hands the named driver's plugin its config, "{}" when it has
// none.
func (m *Manager) setConfig(name string, c *plugin.Client) error {
	conf := m.cfg.PluginConfigs[name]
	if len(conf) == 0 {
		conf = []byte("{}")
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.PingTimeout)
	defer cancel()
	if err := c.Driver.SetConfig(ctx, conf); err != nil {
		return fmt.Errorf("set plugin config of driver %q: %w", name, err)
	}
	return nil
}

// reattach connects to the plugin rc describes and checks that it answers
// as the named driver. A plugin that does not is left alone: its PID may
// by now belong to another process.
func (m *Manager) reattach(name string, rc *plugin.ReattachConfig) (*plugin.Client, error) {
	c, err := plugin.Reattach(rc, m.cfg.Logger.Named("plugin").Named(name))
	if err != nil {
		return nil, err
	}
	if err := m.ping(name, c); err != nil {
		return nil, err
	}
	// The plugin answers as our driver, so it is ours: one that refuses
	// its config is stopped rather than left running unreachable, and
	// the caller launches a new one, which reports the config error.
	if err := m.setConfig(name, c); err != nil {
		c.Kill()
		return nil, err
	}
	return c, nil
}

// errPluginExited is a plugin's health when its process has gone.
var errPluginExited = errors.New("plugin process exited")

// ping checks that the plugin's process is alive and that it answers
// PluginInfo as the named driver within PingTimeout.
func (m *Manager) ping(name string, c *plugin.Client) error {
	if c.Exited() {
		return errPluginExited
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.PingTimeout)
	defer cancel()
	info, err := c.Driver.PluginInfo(ctx)
	if err != nil {
		return fmt.Errorf("ping driver plugin: %w", err)
	}
	if info.Name != name {
		return fmt.Errorf("ping driver plugin: it is driver %q, want %q", info.Name, name)
	}
	return nil
}

// persist writes the reattach configs of the running plugins, and of the
// unconfigured ones carried over, to the state file.
func (m *Manager) persist() error {
	if m.cfg.StateFile == "" {
		return nil
	}
	s := &state{Version: stateVersion, Plugins: map[string]*plugin.ReattachConfig{}}
	m.mu.Lock()
	for name, rc := range m.unconfigured {
		s.Plugins[name] = rc
	}
	for name, inst := range m.plugins {
		if inst.rc != nil {
			s.Plugins[name] = inst.rc
		}
	}
	m.mu.Unlock()

	m.stateMu.Lock()
	defer m.stateMu.Unlock()
	if err := writeState(m.cfg.StateFile, s); err != nil {
		m.logger.Error("cannot save plugin reattach configs; a restarted client will launch its plugins afresh", "error", err)
		return err
	}
	return nil
}
