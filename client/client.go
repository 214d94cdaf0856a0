package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/client/hoststats"
	"github.com/nomadish/nomadish/client/nodeid"
	"github.com/nomadish/nomadish/client/pluginmanager"
	"github.com/nomadish/nomadish/client/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// ErrUnknownAlloc is returned for an allocation this client does not run.
var ErrUnknownAlloc = errors.New("unknown allocation")

// allocRunner is what the client needs of an alloc runner;
// *allocrunner.AllocRunner is the one it uses, tests put in fakes.
type allocRunner interface {
	Restore() error
	Run()
	Update(a *structs.Allocation)
	Alloc() *structs.Allocation
	WaitCh() <-chan struct{}
	Shutdown()
	Destroy()
	PluginRestarted(driver string)
	// StopLocally stops the allocation without the servers asking
	// (heartbeat_stop.go), recording reason on its tasks.
	StopLocally(reason *structs.TaskEvent)
}

// Client is a running client agent. Its methods are safe for concurrent
// use.
type Client struct {
	cfg    *Config
	logger hclog.Logger
	clock  Clock

	db        *state.DB
	plugins   *pluginmanager.Manager
	servers   *serverPool
	allocRoot string
	getter    *artifact.Getter

	// newRunner makes an alloc runner; a fake in tests.
	newRunner func(cfg *allocrunner.Config) (allocRunner, error)
	// diskUsage is the used percentage of the file system holding path.
	diskUsage func(path string) (float64, error)
	// gcMu serializes garbage collections.
	gcMu sync.Mutex
	// hostStats is made on the first HostStats call (hoststats.go).
	hostStatsOnce sync.Once
	hostStats     *hoststats.Collector

	mu sync.Mutex // guards the fields below
	// node is the node as last fingerprinted; a change to it is
	// signalled on nodeChanged.
	node         *structs.Node
	heartbeatTTL time.Duration
	// lastContact is when a heartbeat or registration was last
	// answered, or the agent's start before the first
	// (heartbeat_stop.go).
	lastContact time.Time
	allocs      map[string]*allocEntry
	shutdown    bool

	// updates are the runners' reports waiting to be sent; it has its
	// own lock.
	updates allocUpdates

	// nodeChanged asks the heartbeat loop to register the node again;
	// gcKick asks the garbage collector for a pass. Both hold one signal.
	nodeChanged chan struct{}
	gcKick      chan struct{}
	// stopCheck wakes the stop_on_client_after watcher: the servers
	// answered, or an allocation was added. One signal.
	stopCheck chan struct{}
	// driverKick, by driver, wakes that driver's fingerprint watcher
	// when its plugin was relaunched. Made by New, then only read.
	driverKick map[string]chan struct{}
	// registeredCh is closed once the node has registered.
	registeredCh   chan struct{}
	registeredOnce sync.Once

	ctx        context.Context // cancelled by Shutdown
	cancel     context.CancelFunc
	loops      sync.WaitGroup // the client's own goroutines
	destroying sync.WaitGroup // runners being destroyed
}

// allocEntry is one allocation the client knows. Client.mu guards the
// fields after ar.
type allocEntry struct {
	id string
	ar allocRunner
	// serverIndex is the AllocModifyIndex of the server version the
	// runner was last handed.
	serverIndex uint64
	// doneAt is when the runner's Run returned (zero while it runs):
	// every task is terminal and the allocation may be collected.
	doneAt time.Time
	// collected is set once the runner is being destroyed. A collected
	// entry stays until the servers forget the allocation, so that it is
	// not started again.
	collected bool
	// stoppedLocally is set once the client stopped the allocation for
	// want of a heartbeat (heartbeat_stop.go).
	stoppedLocally bool
}

// New starts a client agent: its identity, local state, plugins and
// fingerprint, the runners of the allocations it ran before, and the
// loops that register it, heartbeat and run what the servers place on it.
// It does not wait for a server to answer.
func New(cfg *Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:          cfg,
		logger:       cfg.Logger.Named("client"),
		clock:        cfg.Clock,
		allocRoot:    cfg.AllocDir,
		getter:       &artifact.Getter{FileRoots: cfg.ArtifactFileRoots},
		diskUsage:    diskUsage,
		allocs:       map[string]*allocEntry{},
		nodeChanged:  make(chan struct{}, 1),
		gcKick:       make(chan struct{}, 1),
		stopCheck:    make(chan struct{}, 1),
		driverKick:   map[string]chan struct{}{},
		registeredCh: make(chan struct{}),
	}
	c.newRunner = func(rc *allocrunner.Config) (allocRunner, error) { return allocrunner.New(rc) }
	if cfg.newRunner != nil {
		c.newRunner = cfg.newRunner
	}
	if cfg.diskUsage != nil {
		c.diskUsage = cfg.diskUsage
	}
	for _, name := range cfg.Drivers {
		c.driverKick[name] = make(chan struct{}, 1)
	}
	c.updates.init()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.servers = newServerPool(cfg.Servers, c.clock, c.logger.Named("rpc"))
	if err := c.start(); err != nil {
		c.abort()
		return nil, err
	}
	return c, nil
}

// start does New's work; on error abort undoes what was done.
func (c *Client) start() error {
	id, secret, err := nodeid.LoadOrCreateIn(c.cfg.StateDir)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	// The allocation directory exists from the start: its disk is
	// fingerprinted and watched by garbage collection.
	if err := os.MkdirAll(c.allocRoot, 0o711); err != nil {
		return fmt.Errorf("client: alloc_dir: %w", err)
	}
	c.db, err = state.Open(filepath.Join(c.cfg.StateDir, "state.db"))
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if err := c.startPlugins(); err != nil {
		return err
	}
	node, err := c.buildNode(id, secret)
	if err != nil {
		return err
	}
	c.node = node
	c.lastContact = c.clock.Now()
	c.watchDrivers()
	c.restoreAllocs()

	c.loop(c.heartbeatLoop)
	c.loop(c.watchAllocations)
	c.loop(c.syncLoop)
	c.loop(c.gcLoop)
	c.loop(c.heartbeatStopLoop)
	return nil
}

func (c *Client) startPlugins() error {
	pm, err := pluginmanager.New(pluginmanager.Config{
		Binary:         c.cfg.PluginBinary,
		Drivers:        c.cfg.Drivers,
		StateFile:      filepath.Join(c.cfg.DataDir, "plugins", "plugins.json"),
		DataDir:        filepath.Join(c.cfg.DataDir, "plugins"),
		PluginConfigs:  c.cfg.DriverConfigs,
		HealthInterval: c.cfg.PluginHealthInterval,
		Logger:         c.cfg.Logger,
		Clock:          c.clock,
		OnRestart:      c.pluginRestarted,
	})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	c.plugins = pm
	if err := pm.Start(); err != nil {
		// Only the state file write failed: the plugins run, but a
		// restarted agent will launch them afresh. Not fatal.
		c.logger.Error("cannot save the plugins' reattach configs", "error", err)
	}
	return nil
}

// pluginRestarted tells every runner that a driver's plugin was
// relaunched, so they recover (or restart) its tasks.
func (c *Client) pluginRestarted(driver string) {
	c.logger.Warn("driver plugin was relaunched; recovering its tasks", "driver", driver)
	if kick := c.driverKick[driver]; kick != nil {
		signal(kick)
	}
	for _, ar := range c.runners() {
		ar.PluginRestarted(driver)
	}
}

// loop runs f in a goroutine Shutdown waits for.
func (c *Client) loop(f func()) {
	c.loops.Add(1)
	go func() {
		defer c.loops.Done()
		f()
	}()
}

// abort releases what a failed New had acquired.
func (c *Client) abort() {
	c.cancel()
	c.servers.close()
	c.loops.Wait()
	for _, ar := range c.runners() {
		ar.Shutdown()
	}
	if c.plugins != nil {
		_ = c.plugins.Shutdown(false)
	}
	if c.db != nil {
		_ = c.db.Close()
	}
}

// Shutdown stops the client for an agent stop or restart: its loops end,
// every alloc runner lets go of its tasks and the plugins are left
// running, so the next agent on this data dir re-attaches to them. The
// node is not deregistered; the servers mark it down if no agent comes
// back within its heartbeat TTL.
func (c *Client) Shutdown() error {
	c.mu.Lock()
	if c.shutdown {
		c.mu.Unlock()
		return nil
	}
	c.shutdown = true
	c.mu.Unlock()

	destroy := c.cfg.DestroyOnShutdown
	if destroy {
		c.logger.Info("shutting down; stopping every task")
	} else {
		c.logger.Info("shutting down; tasks keep running")
	}
	c.cancel()
	c.servers.close()
	c.loops.Wait()
	c.destroying.Wait()
	var wg sync.WaitGroup
	for _, ar := range c.runners() {
		if !destroy {
			ar.Shutdown()
			continue
		}
		// Destroy blocks up to the task's kill_timeout; in parallel.
		wg.Add(1)
		go func() { defer wg.Done(); ar.Destroy() }()
	}
	wg.Wait()
	var errs []error
	if err := c.plugins.Shutdown(destroy); err != nil {
		errs = append(errs, fmt.Errorf("client shutdown: %w", err))
	}
	if err := c.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("client shutdown: %w", err))
	}
	return errors.Join(errs...)
}

// NodeID is this node's ID.
func (c *Client) NodeID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.node.ID
}

// Node returns a copy of the node as last fingerprinted, secret included.
func (c *Client) Node() *structs.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.node.Copy()
}

// RPC calls a server, failing over to the others; a client-only agent's
// HTTP API answers through it.
func (c *Client) RPC(method string, args, reply interface{}) error {
	return c.servers.call(method, args, reply, c.cfg.RPCTimeout+blockingWait(args))
}

// Servers returns the server addresses in the order they are tried.
func (c *Client) Servers() []string {
	return c.servers.list()
}

// AllocRunner returns the runner of an allocation on this node, or
// ErrUnknownAlloc.
func (c *Client) AllocRunner(allocID string) (*allocrunner.AllocRunner, error) {
	c.mu.Lock()
	e := c.allocs[allocID]
	c.mu.Unlock()
	if e == nil || e.collected {
		return nil, fmt.Errorf("allocation %q: %w", allocID, ErrUnknownAlloc)
	}
	ar, ok := e.ar.(*allocrunner.AllocRunner)
	if !ok {
		return nil, fmt.Errorf("allocation %q: %w (its runner is a %T)", allocID, ErrUnknownAlloc, e.ar)
	}
	return ar, nil
}

// Allocations returns the allocations this client runs (or ran and has not
// yet collected), as their runners see them, sorted by ID.
func (c *Client) Allocations() []*structs.Allocation {
	var out []*structs.Allocation
	for _, ar := range c.runners() {
		if a := ar.Alloc(); a != nil {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// runners returns the runners of the allocations not collected.
func (c *Client) runners() []allocRunner {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]allocRunner, 0, len(c.allocs))
	for _, e := range c.allocs {
		if !e.collected {
			out = append(out, e.ar)
		}
	}
	return out
}

// sleep waits d on the clock; false means the client is shutting down.
func (c *Client) sleep(d time.Duration) bool {
	tick, stop := c.clock.NewTimer(d)
	defer stop()
	select {
	case <-tick:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// signal puts one signal into ch unless one is already waiting.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
