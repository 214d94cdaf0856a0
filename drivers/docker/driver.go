package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

const (
	// Name is the driver's name in job files.
	Name = "docker"
	// Version is the driver's version.
	Version = "0.1.0"
	// handleVersion is the version of the driver state in task handles.
	handleVersion = 1
	// gcInterval is how often the driver collects unused images and
	// orphaned containers.
	gcInterval = time.Minute
)

// Config holds the driver's dependencies.
type Config struct {
	Logger hclog.Logger
	// Now is the clock of image GC and of the reconciler; time.Now if nil.
	Now func() time.Time
	// OrphanGrace is how long a container of ours that no task holds is
	// left alone before the reconciler removes it; 5 minutes if zero.
	OrphanGrace time.Duration
	// Keychain finds registry credentials for images whose task has no
	// auth block; authn.DefaultKeychain (the Docker config file and its
	// credential helpers) if nil.
	Keychain authn.Keychain
	// EngineRetries and EngineRetryDelay are how a task's watcher rides out
	// an engine that does not answer: that many retries, that far apart,
	// per outage, before the task is reported lost; 60 and 1s if zero.
	EngineRetries    int
	EngineRetryDelay time.Duration
}

// Driver is the Docker driver. The engine runs the containers, so they
// outlive the plugin; the driver keeps per task a watcher and a log
// streamer, both of which RecoverTask starts again.
type Driver struct {
	cfg    Config
	logger hclog.Logger
	tasks  *plugin.TaskStore[*task]
	events plugin.EventHub
	images *imageCache

	mu      sync.Mutex // guards the fields below
	conf    *pluginConfig
	confErr error // why the last SetConfig was refused, for the fingerprint
	client  *client.Client
	stopGC  context.CancelFunc

	orphansMu sync.Mutex       // guards the fields below
	orphans   map[string]int64 // container ID -> when first seen orphaned (unix ns)
	owners    map[string]bool  // LabelOwner values of the tasks started or recovered here
}

var _ plugin.DriverPlugin = (*Driver)(nil)

// New returns a Docker driver. It does nothing until SetConfig.
func New(cfg Config) *Driver {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OrphanGrace == 0 {
		cfg.OrphanGrace = 5 * time.Minute
	}
	if cfg.Keychain == nil {
		cfg.Keychain = authn.DefaultKeychain
	}
	d := &Driver{
		cfg:    cfg,
		logger: cfg.Logger.Named(Name),
		tasks:  plugin.NewTaskStore[*task](),
	}
	d.images = newImageCache(cfg.Now)
	return d
}

// driverState is what the driver keeps in a task handle.
type driverState struct {
	ContainerID string    `json:"container_id"`
	ImageID     string    `json:"image_id"`
	StartedAt   time.Time `json:"started_at"`
}

func (d *Driver) PluginInfo(context.Context) (*plugin.PluginInfo, error) {
	return &plugin.PluginInfo{Name: Name, PluginVersion: Version, ProtocolVersion: plugin.ProtocolVersion}, nil
}

// ConfigSchema sends the task and plugin schemas. The wire schema cannot
// carry the block forms of labels, ulimit, sysctl and port_map (free-named
// attribute blocks), which jobspec decodes itself; the driver still reads
// their keys.
func (d *Driver) ConfigSchema(context.Context) (*plugin.ConfigSchema, error) {
	task, err := plugin.SchemaFromSpec(wireSpec(ConfigSpec.(hcldec.ObjectSpec)))
	if err != nil {
		return nil, err
	}
	pl, err := plugin.SchemaFromSpec(PluginSpec)
	if err != nil {
		return nil, err
	}
	return &plugin.ConfigSchema{Plugin: pl, Task: task}, nil
}

// wireSpec is obj without its block forms (BlockAttrsSpec), at any depth.
func wireSpec(obj hcldec.ObjectSpec) hcldec.ObjectSpec {
	out := hcldec.ObjectSpec{}
	for k, v := range obj {
		switch s := v.(type) {
		case *hcldec.BlockAttrsSpec:
			continue
		case *hcldec.BlockSpec:
			if nested, ok := s.Nested.(hcldec.ObjectSpec); ok {
				c := *s
				c.Nested = wireSpec(nested)
				v = &c
			}
		case *hcldec.BlockListSpec:
			if nested, ok := s.Nested.(hcldec.ObjectSpec); ok {
				c := *s
				c.Nested = wireSpec(nested)
				v = &c
			}
		}
		out[k] = v
	}
	return out
}

// SetConfig takes the plugin config and makes the engine client. It does
// not need the engine to answer: the fingerprint says when it does not.
// The client sends the config again after every re-attach; an endpoint
// that changed takes effect at once for new calls.
func (d *Driver) SetConfig(_ context.Context, config []byte) error {
	conf, err := parsePluginConfig(config)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.confErr = err
		return err
	}
	if d.client == nil || d.conf.Endpoint != conf.Endpoint {
		c, err := client.New(client.WithHost(conf.Endpoint), client.WithAPIVersionNegotiation())
		if err != nil {
			d.confErr = fmt.Errorf("docker plugin config: endpoint %q: %w", conf.Endpoint, err)
			return d.confErr
		}
		if d.client != nil {
			_ = d.client.Close()
		}
		d.client = c
	}
	d.conf, d.confErr = conf, nil
	if d.stopGC == nil {
		ctx, cancel := context.WithCancel(context.Background())
		d.stopGC = cancel
		go d.gcLoop(ctx)
	}
	return nil
}

// errNotConfigured is returned by task methods before SetConfig worked.
var errNotConfigured = errors.New("the docker driver has no plugin config yet (SetConfig was not called or was refused)")

// configured returns the plugin config and the engine client.
func (d *Driver) configured() (*pluginConfig, *client.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client == nil {
		if d.confErr != nil {
			return nil, nil, d.confErr
		}
		return nil, nil, errNotConfigured
	}
	return d.conf, d.client, nil
}

// Capabilities: signals and exec go through the engine; the container sees
// its image (FSIsolation "image"); the engine keeps containers running
// when the plugin dies.
func (d *Driver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{SendSignals: true, Exec: true, FSIsolation: "image", RecoverAfterPluginRestart: true}, nil
}

// gcLoop removes unused images and orphaned containers every gcInterval
// until ctx ends.
func (d *Driver) gcLoop(ctx context.Context) {
	tk := time.NewTicker(gcInterval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		d.collect(ctx)
	}
}

// collect is one round of image GC and container reconciliation.
func (d *Driver) collect(ctx context.Context) {
	conf, c, err := d.configured()
	if err != nil {
		return
	}
	if conf.imageGC {
		d.removeUnusedImages(ctx, c, conf.imageDelay)
	}
	if conf.containerGC {
		if _, err := d.reconcile(ctx, c); err != nil {
			d.logger.Warn("container reconciliation failed", "error", err)
		}
	}
}

// pullActivityTimeout is the plugin config's pull_activity_timeout.
func (d *Driver) pullActivityTimeout() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conf == nil {
		return defaultPullActivityTimeout
	}
	return d.conf.pullIdle
}
