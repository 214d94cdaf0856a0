package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2/hcldec"

	"github.com/nomadish/nomadish/drivers/oci/image"
	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

const (
	// Name is the driver's name in job files.
	Name = "oci"
	// Version is the driver's version.
	Version = "0.1.0"
	// handleVersion is the version of the driver state in task handles.
	handleVersion = 1
	// gcInterval is how often the driver collects unused images.
	gcInterval = 5 * time.Minute
)

// Config holds the driver's dependencies.
type Config struct {
	Logger hclog.Logger

	// MonitorPath, MonitorArgs and MonitorEnv say how to run the container
	// monitor (see ociruntime.Config); empty is this executable with the
	// hidden oci-monitor command. Tests point them at the test binary.
	MonitorPath string
	MonitorArgs []string
	MonitorEnv  []string

	// Transport carries registry requests; Keychain finds registry
	// credentials. Nil are the image store's defaults.
	Transport http.RoundTripper
	Keychain  authn.Keychain

	// Now is the clock of image GC; time.Now if nil.
	Now func() time.Time

	// Network sets up the network namespace of a task in network_mode
	// "bridge"; nil refuses that mode.
	Network Network
}

// Network prepares and removes a task's network namespace with CNI, for
// network_mode "bridge". Both are idempotent: Setup again returns the
// namespace already made, Teardown of one already gone succeeds.
type Network interface {
	Setup(ctx context.Context, containerID string, cfg *plugin.TaskConfig) (netnsPath string, err error)
	Teardown(ctx context.Context, containerID string) error
}

// Driver is the OCI driver. Its containers run under monitors detached
// from the plugin process, so a restarted plugin recovers them from the
// state under data_dir.
type Driver struct {
	cfg    Config
	logger hclog.Logger
	tasks  *plugin.TaskStore[*task]
	events plugin.EventHub

	mu       sync.Mutex // guards the fields below
	conf     *pluginConfig
	confErr  error // why the last SetConfig was refused, for the fingerprint
	store    *image.Store
	runtimes map[string]*ociruntime.Runtime
	stopGC   context.CancelFunc
	// bridge is the CNI network of network_mode "bridge" made from the
	// plugin config, when Config.Network gives none.
	bridge Network
	// copyRootfs forces the copy fallback of the writable layer (tests).
	copyRootfs bool
}

var _ plugin.DriverPlugin = (*Driver)(nil)

// New returns an OCI driver. It does nothing until SetConfig.
func New(cfg Config) *Driver {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Driver{
		cfg:      cfg,
		logger:   cfg.Logger.Named(Name),
		tasks:    plugin.NewTaskStore[*task](),
		runtimes: map[string]*ociruntime.Runtime{},
	}
}

// driverState is what the driver keeps in a task handle.
type driverState struct {
	ContainerID string `json:"container_id"`
	Runtime     string `json:"runtime"`
	BundleDir   string `json:"bundle_dir"`
	ImageID     string `json:"image_id,omitempty"`
	Overlay     bool   `json:"overlay"`
	// Bridge is set once the container's CNI network was asked for, so
	// that its destroy tears the network down.
	Bridge    bool      `json:"bridge,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

func (d *Driver) PluginInfo(context.Context) (*plugin.PluginInfo, error) {
	return &plugin.PluginInfo{Name: Name, PluginVersion: Version, ProtocolVersion: plugin.ProtocolVersion}, nil
}

func (d *Driver) ConfigSchema(context.Context) (*plugin.ConfigSchema, error) {
	// The wire schema describes the object; image XOR rootfs, which
	// ConfigSpec's Validate checks in job files, StartTask checks again.
	var spec hcldec.Spec = ConfigSpec
	if v, ok := spec.(*hcldec.ValidateSpec); ok {
		spec = v.Wrapped
	}
	task, err := plugin.SchemaFromSpec(spec)
	if err != nil {
		return nil, err
	}
	pl, err := plugin.SchemaFromSpec(PluginSpec)
	if err != nil {
		return nil, err
	}
	return &plugin.ConfigSchema{Plugin: pl, Task: task}, nil
}

// SetConfig takes the plugin config and opens the image store under
// data_dir. The client sends the config again after every re-attach; a
// data_dir that changed since takes effect when the plugin restarts.
func (d *Driver) SetConfig(_ context.Context, config []byte) error {
	conf, err := parsePluginConfig(config)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.confErr = err
		return err
	}
	if d.store != nil {
		if conf.DataDir != d.conf.DataDir {
			d.logger.Warn("data_dir changed while the plugin runs; it takes effect when the plugin restarts",
				"data_dir", d.conf.DataDir, "new_data_dir", conf.DataDir)
			conf.DataDir = d.conf.DataDir
		}
		d.conf, d.confErr = conf, nil
		return nil
	}
	store, err := image.Open(image.Config{
		Dir:                 filepath.Join(conf.DataDir, "images"),
		Logger:              d.logger,
		Now:                 d.cfg.Now,
		InsecureRegistries:  conf.InsecureRegistries,
		Keychain:            d.cfg.Keychain,
		Transport:           d.cfg.Transport,
		MaxCompressedSize:   conf.maxImageSize(),
		MaxUncompressedSize: conf.maxImageSize(),
		MaxLayers:           conf.maxLayers(),
		GCDelay:             conf.gcDelay,
		ActivityTimeout:     conf.idle,
	})
	if err != nil {
		d.confErr = fmt.Errorf("oci plugin config: data_dir %q: %w", conf.DataDir, err)
		return d.confErr
	}
	for _, sub := range []string{"bundles", "state"} {
		if err := os.MkdirAll(filepath.Join(conf.DataDir, sub), 0o700); err != nil {
			d.confErr = fmt.Errorf("oci plugin config: data_dir %q: %w", conf.DataDir, err)
			return d.confErr
		}
	}
	if d.cfg.Network == nil {
		bridge, err := newCNINetwork(conf, d.logger)
		if err != nil {
			d.confErr = fmt.Errorf("oci plugin config: bridge network: %w", err)
			return d.confErr
		}
		d.bridge = bridge
	}
	d.conf, d.confErr, d.store = conf, nil, store
	gcCtx, cancel := context.WithCancel(context.Background())
	d.stopGC = cancel
	go d.gcLoop(gcCtx, store)
	return nil
}

// gcLoop collects unused images every gcInterval until ctx ends.
func (d *Driver) gcLoop(ctx context.Context, store *image.Store) {
	tk := time.NewTicker(gcInterval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		removed, err := store.GC()
		if err != nil {
			d.logger.Warn("image gc failed", "error", err)
		} else if len(removed) > 0 {
			d.logger.Info("unused images removed", "images", removed)
		}
	}
}

// errNotConfigured is returned by task methods before SetConfig worked.
var errNotConfigured = errors.New("the oci driver has no plugin config yet (SetConfig was not called or was refused)")

// configured returns the plugin config and image store.
func (d *Driver) configured() (*pluginConfig, *image.Store, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.store == nil {
		if d.confErr != nil {
			return nil, nil, d.confErr
		}
		return nil, nil, errNotConfigured
	}
	return d.conf, d.store, nil
}

// runtime returns the runtime named name ("" is the plugin config's),
// making it on first use.
func (d *Driver) runtime(name string) (*ociruntime.Runtime, error) {
	conf, _, err := d.configured()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = conf.Runtime
	}
	if name == "" {
		name = ociruntime.RuntimeRunc
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if rt, ok := d.runtimes[name]; ok {
		return rt, nil
	}
	rt, err := ociruntime.New(ociruntime.Config{
		Runtime:     name,
		StateDir:    filepath.Join(conf.DataDir, "state"),
		MonitorPath: d.cfg.MonitorPath,
		MonitorArgs: d.cfg.MonitorArgs,
		MonitorEnv:  d.cfg.MonitorEnv,
		Logger:      d.logger,
	})
	if err != nil {
		return nil, err
	}
	d.runtimes[name] = rt
	return rt, nil
}

// Capabilities: signals and exec go through the runtime; the container
// sees only its image (FSIsolation "image"); containers outlive the plugin.
func (d *Driver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{SendSignals: true, Exec: true, FSIsolation: "image", RecoverAfterPluginRestart: true}, nil
}

// network is the Network of network_mode "bridge": Config.Network, else
// the CNI bridge made by SetConfig; nil before SetConfig.
func (d *Driver) network() Network {
	if d.cfg.Network != nil {
		return d.cfg.Network
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bridge
}
