package wasm

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/drivers/plugin"
)

const (
	// Name is the driver's name in job files.
	Name = "wasm"
	// Version is the driver's version.
	Version = "0.1.0"
	// handleVersion is the version of the driver state in task handles.
	handleVersion = 1
)

// Config holds the driver's dependencies.
type Config struct {
	Logger hclog.Logger
	// HTTPClient downloads https:// modules; nil is a client that refuses
	// redirects to plain http. The StartTask context bounds a download.
	HTTPClient *http.Client
}

// Driver is the wasm driver. Its tasks are goroutines of the plugin
// process: a restarted client re-attaches to them through RecoverTask, a
// restarted plugin has lost them (RecoverTask says plugin.ErrTaskNotFound).
type Driver struct {
	logger     hclog.Logger
	httpClient *http.Client
	// instance tells this process's handles from an earlier one's.
	instance string
	tasks    *plugin.TaskStore[*task]
	// compiles counts modules compiled because the in-memory cache did
	// not hold them (wazero's disk cache may still have spared the work).
	compiles atomic.Int64

	mu      sync.Mutex // guards the fields below
	conf    *pluginConfig
	rt      *wasmRuntime // nil until the first SetConfig or StartTask
	rtErr   error        // why the runtime could not be made
	modules map[[32]byte]*compiled
	maxIdle int // maxIdleModules; tests lower it

	events plugin.EventHub
}

var _ plugin.DriverPlugin = (*Driver)(nil)

// New returns a wasm driver. Its runtime and compile cache are made by the
// first SetConfig (or StartTask, without one).
func New(cfg Config) *Driver {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: redirectHTTPSOnly}
	}
	return &Driver{
		logger:     cfg.Logger.Named(Name),
		httpClient: cfg.HTTPClient,
		instance:   fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()),
		tasks:      plugin.NewTaskStore[*task](),
		conf:       &pluginConfig{},
		modules:    map[[32]byte]*compiled{},
		maxIdle:    maxIdleModules,
	}
}

// Compiles is how many modules this driver compiled because its in-memory
// cache did not hold them.
func (d *Driver) Compiles() int64 { return d.compiles.Load() }

// driverState is what the driver keeps in a task handle.
type driverState struct {
	Instance     string    `json:"instance"`
	StartedAt    time.Time `json:"started_at"`
	ModuleSHA256 string    `json:"module_sha256"`
}

func (d *Driver) PluginInfo(context.Context) (*plugin.PluginInfo, error) {
	return &plugin.PluginInfo{Name: Name, PluginVersion: Version, ProtocolVersion: plugin.ProtocolVersion}, nil
}

func (d *Driver) ConfigSchema(context.Context) (*plugin.ConfigSchema, error) {
	task, err := plugin.SchemaFromSpec(ConfigSpec)
	if err != nil {
		return nil, err
	}
	pl, err := plugin.SchemaFromSpec(PluginSpec)
	if err != nil {
		return nil, err
	}
	return &plugin.ConfigSchema{Plugin: pl, Task: task}, nil
}

// SetConfig takes the plugin config and makes the runtime with its compile
// cache. The client sends the config again after every re-attach; a
// cache_dir that changed since takes effect when the plugin restarts.
func (d *Driver) SetConfig(_ context.Context, config []byte) error {
	conf, err := parsePluginConfig(config)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rt != nil {
		if conf.CacheDir != d.conf.CacheDir {
			d.logger.Warn("cache_dir changed while the plugin runs; it takes effect when the plugin restarts",
				"cache_dir", d.rt.cacheDir, "new_cache_dir", conf.CacheDir)
		}
		return nil
	}
	d.conf = conf
	_, err = d.runtimeLocked()
	return err
}

// runtime returns the driver's runtime, making it on first use.
func (d *Driver) runtime() (*wasmRuntime, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runtimeLocked()
}

func (d *Driver) runtimeLocked() (*wasmRuntime, error) {
	if d.rt != nil {
		return d.rt, nil
	}
	dir, err := cacheDirFor(d.conf)
	if err == nil {
		d.rt, err = newRuntime(context.Background(), dir)
	}
	if err != nil {
		d.rtErr = fmt.Errorf("wasm runtime: %w", err)
		return nil, d.rtErr
	}
	d.rtErr = nil
	d.logger.Debug("runtime ready", "compile_cache", dir)
	return d.rt, nil
}

func (d *Driver) Fingerprint(ctx context.Context) (<-chan *plugin.Fingerprint, error) {
	d.mu.Lock()
	rtErr := d.rtErr
	d.mu.Unlock()
	fp := &plugin.Fingerprint{
		Health:            plugin.HealthHealthy,
		HealthDescription: "healthy",
		Attributes: map[string]string{
			"driver.wasm":                 "1",
			"driver.wasm.version":         Version,
			"driver.wasm.runtime":         "wazero",
			"driver.wasm.runtime.version": wazeroVersion(),
			"driver.wasm.wasi":            "preview1",
		},
	}
	if rtErr != nil {
		fp.Health = plugin.HealthUnhealthy
		fp.HealthDescription = rtErr.Error()
	}
	ch := make(chan *plugin.Fingerprint, 1)
	ch <- fp
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

// wazeroVersion is the wazero module version this binary was built with.
func wazeroVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/tetratelabs/wazero" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// Capabilities: no exec (a module has no second process to run) and no
// arbitrary signals (WASI has none; see SignalTask). The module sees only
// its mounts, which is what "chroot" means to the client: task paths are
// /local, /alloc and /secrets.
func (d *Driver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{SendSignals: false, Exec: false, FSIsolation: "chroot"}, nil
}
