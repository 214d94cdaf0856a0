// Package agent is the long-running nomadish agent process: it reads the
// agent configuration, starts the server and/or client parts, and serves the
// HTTP API. It does not parse job files or talk to other agents except
// through the server's RPC layer.
package agent

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/go-hclog"
)

// Command is `nomadish agent`.
type Command struct {
	Ui cli.Ui

	// Drivers are the built-in task drivers the binary serves with
	// `nomadish plugin NAME`; the client runs each of them.
	Drivers []string

	// Test hooks: where logs go (default stdout), a channel standing in
	// for OS signals, and a channel that receives the agent once it runs.
	logOutput io.Writer
	signalCh  chan os.Signal
	readyCh   chan *Agent
}

func (c *Command) Synopsis() string { return "Runs a nomadish agent" }

func (c *Command) Help() string {
	return strings.TrimSpace(`
Usage: nomadish agent [options]

  Starts a nomadish agent and runs until an interrupt or terminate signal.
  The agent is a server (Raft, scheduling), a client (runs tasks through
  driver plugins) or both; every agent serves the HTTP API. Configuration comes from HCL or JSON files
  given with -config, loaded in order with later values winning, and then
  from the flags below, which win over every file.

  Try it on one machine:

      $ nomadish agent -dev

  Signals: SIGINT or SIGTERM leave the cluster gracefully (a server) and
  stop; the client's tasks keep running and are recovered when the agent
  starts again with the same data_dir. A second signal stops at once. SIGHUP re-reads the configuration and applies its
  log_level (nothing else is reloaded).

General options:

  -config=<path>
    A configuration file or a directory of *.hcl and *.json files (loaded
    in lexical order). Repeatable; later files win.

  -data-dir=<path>
    Where the agent keeps its state. Required unless -dev.

  -dev
    Development mode: server and client in one process on 127.0.0.1, a
    single server that elects itself, Raft kept in memory unless -data-dir
    is given, log level DEBUG. The client runs every built-in driver, keeps
    its state in a temporary directory removed on exit (unless -data-dir
    is given) and may fetch file artifacts from the current directory.
    Nothing survives a restart.

  -bind=<addr>
    The IP address every listener binds to (default 0.0.0.0; 127.0.0.1
    with -dev). Per-listener addresses go in the addresses block.

  -region=<region>
    The region of the agent (default "global").

  -dc=<datacenter>
    The datacenter of the agent (default "dc1").

  -node=<name>
    The name of the agent; unique within the region (default the hostname).

  -log-level=<level>
    TRACE, DEBUG, INFO, WARN or ERROR (default INFO).

Server options:

  -server
    Run the server.

  -bootstrap-expect=<n>
    How many servers to wait for before electing a leader; 1 (or 0)
    bootstraps this server alone.

  -join=<addr>
    A server's gossip address (host or host:port) to join at start; fail if
    none can be reached. Repeatable.

  -retry-join=<addr>
    Like -join, but keep retrying in the background until one succeeds.
    Repeatable.

  -retry-interval=<duration>
    Time between -retry-join attempts (default 30s).

  -retry-max=<n>
    Give up after this many -retry-join attempts (default 0, never).

Client options:

  -client
    Run the client: register this machine as a node, run the allocations
    the servers place on it and serve their logs and files over the HTTP
    API. A client-only agent answers the rest of the HTTP API through its
    servers.

  -servers=<host:port,...>
    Comma-separated RPC addresses of the servers the client registers
    with (client { servers = [...] }). Defaults to the agent's own server
    when it runs one.
`)
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// agentFlags are the parsed flags and which of them were given.
type agentFlags struct {
	set map[string]bool

	configs, retryJoin, startJoin             stringList
	server, client, dev                       bool
	bootstrapExpect, retryMax                 int
	dataDir, bind, region, dc, node, logLevel string
	servers, retryInterval                    string
}

func parseFlags(args []string) (*agentFlags, error) {
	f := &agentFlags{set: map[string]bool{}}
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&f.configs, "config", "")
	fs.Var(&f.retryJoin, "retry-join", "")
	fs.Var(&f.startJoin, "join", "")
	fs.BoolVar(&f.server, "server", false, "")
	fs.BoolVar(&f.client, "client", false, "")
	fs.BoolVar(&f.dev, "dev", false, "")
	fs.IntVar(&f.bootstrapExpect, "bootstrap-expect", 0, "")
	fs.IntVar(&f.retryMax, "retry-max", 0, "")
	fs.StringVar(&f.dataDir, "data-dir", "", "")
	fs.StringVar(&f.bind, "bind", "", "")
	fs.StringVar(&f.region, "region", "", "")
	fs.StringVar(&f.dc, "dc", "", "")
	fs.StringVar(&f.node, "node", "", "")
	fs.StringVar(&f.logLevel, "log-level", "", "")
	fs.StringVar(&f.servers, "servers", "", "")
	fs.StringVar(&f.retryInterval, "retry-interval", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%v\nRun 'nomadish agent -h' for the list of flags", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: the agent takes only flags\nRun 'nomadish agent -h' for the list of flags", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, nil
}

// buildConfig is defaults (or -dev's), then the files, then the flags.
func buildConfig(f *agentFlags) (*Config, error) {
	cfg := DefaultConfig()
	if f.dev {
		cfg = DevConfig()
	}
	if err := LoadConfig(cfg, f.configs); err != nil {
		return nil, err
	}
	if f.set["server"] {
		cfg.Server.Enabled = f.server
	}
	if f.set["client"] {
		cfg.Client.Enabled = f.client
	}
	if f.set["bootstrap-expect"] {
		cfg.Server.BootstrapExpect = f.bootstrapExpect
	}
	str := map[string]*string{
		"data-dir": &cfg.DataDir, "bind": &cfg.BindAddr, "region": &cfg.Region,
		"dc": &cfg.Datacenter, "node": &cfg.NodeName, "log-level": &cfg.LogLevel,
	}
	vals := map[string]string{
		"data-dir": f.dataDir, "bind": f.bind, "region": f.region,
		"dc": f.dc, "node": f.node, "log-level": f.logLevel,
	}
	for name, dst := range str {
		if f.set[name] {
			*dst = vals[name]
		}
	}
	if cfg.Server.ServerJoin == nil {
		cfg.Server.ServerJoin = &ServerJoin{}
	}
	if f.set["join"] {
		cfg.Server.ServerJoin.StartJoin = f.startJoin
	}
	if f.set["retry-join"] {
		cfg.Server.ServerJoin.RetryJoin = f.retryJoin
	}
	if f.set["retry-interval"] {
		cfg.Server.ServerJoin.RetryInterval = f.retryInterval
	}
	if f.set["retry-max"] {
		cfg.Server.ServerJoin.RetryMax = f.retryMax
	}
	if f.set["servers"] {
		cfg.Client.Servers = nil
		for _, s := range strings.Split(f.servers, ",") {
			if s = strings.TrimSpace(s); s != "" {
				cfg.Client.Servers = append(cfg.Client.Servers, s)
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Command) Run(args []string) int {
	f, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.Ui.Output(c.Help())
			return 0
		}
		c.Ui.Error(err.Error())
		return 1
	}
	cfg, err := buildConfig(f)
	if err != nil {
		c.Ui.Error(err.Error())
		return 1
	}
	cfg.Drivers = c.Drivers
	level, _ := parseLogLevel(cfg.LogLevel) // checked by Validate
	out := c.logOutput
	if out == nil {
		out = os.Stdout
	}
	gate := newGatedWriter(out)
	logger := hclog.New(&hclog.LoggerOptions{Name: "agent", Level: level, Output: gate})

	sigCh := c.signalCh
	if sigCh == nil {
		sigCh = make(chan os.Signal, 4)
		signal.Notify(sigCh, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		defer signal.Stop(sigCh)
	}

	c.Ui.Output("==> Starting nomadish agent...")
	a, err := NewAgent(cfg, logger)
	if err != nil {
		gate.Flush()
		c.Ui.Error(fmt.Sprintf("Error starting agent: %v", err))
		return 1
	}
	c.banner(cfg, a)
	gate.Flush()
	if c.readyCh != nil {
		c.readyCh <- a
	}
	return c.waitForSignals(a, f, sigCh)
}

// banner prints the agent's effective configuration.
func (c *Command) banner(cfg *Config, a *Agent) {
	var roles []string
	lines := map[string]string{
		"Node":      cfg.NodeName,
		"Region":    fmt.Sprintf("%s (datacenter %s)", cfg.Region, cfg.Datacenter),
		"HTTP":      a.HTTPAddr(),
		"Log Level": strings.ToUpper(cfg.LogLevel),
		"Data Dir":  cfg.DataDir,
	}
	if a.server != nil {
		roles = append(roles, "server")
		lan, wan := a.SerfAddrs()
		lines["RPC"] = a.RPCAddr()
		lines["Gossip"] = fmt.Sprintf("LAN %s, WAN %s", lan, wan)
		lines["Bootstrap"] = fmt.Sprintf("expect %d", cfg.Server.BootstrapExpect)
	}
	if a.client != nil {
		roles = append(roles, "client")
		lines["Node ID"] = a.client.NodeID()
		lines["Servers"] = strings.Join(a.client.Servers(), ", ")
		lines["Drivers"] = strings.Join(cfg.Drivers, ", ")
	} else if cfg.Client.Enabled {
		roles = append(roles, "client (not available in this build)")
	}
	lines["Roles"] = strings.Join(roles, ", ")
	switch {
	case cfg.DataDir != "":
	case a.tempDir != "":
		lines["Data Dir"] = fmt.Sprintf("(none: Raft in memory; client state in %s, removed on exit)", a.tempDir)
	default:
		lines["Data Dir"] = "(none: Raft in memory)"
	}
	if len(cfg.Files) > 0 {
		lines["Config"] = strings.Join(cfg.Files, ", ")
	}
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c.Ui.Output("==> nomadish agent configuration:\n")
	for _, k := range keys {
		c.Ui.Info(fmt.Sprintf("%12s: %s", k, lines[k]))
	}
	c.Ui.Output("\n==> nomadish agent started! Log data will stream in below:\n")
}

// waitForSignals runs until SIGINT/SIGTERM (graceful leave, then
// shutdown; a second signal exits at once) or the HTTP server fails.
// SIGHUP reloads the log level from the configuration.
func (c *Command) waitForSignals(a *Agent, f *agentFlags, sigCh chan os.Signal) int {
	for {
		var sig os.Signal
		select {
		case sig = <-sigCh:
		case err := <-a.HTTPErr():
			a.logger.Error("http server failed; shutting down", "error", err)
			a.Shutdown()
			return 1
		}
		if sig == syscall.SIGHUP {
			c.reload(a, f)
			continue
		}
		if a.server != nil {
			c.Ui.Output(fmt.Sprintf("==> Caught signal %v: leaving the cluster (send it again to stop at once)", sig))
		} else {
			c.Ui.Output(fmt.Sprintf("==> Caught signal %v: stopping the client; its tasks keep running (send it again to stop at once)", sig))
		}
		done := make(chan error, 1)
		go func() {
			err := a.Leave()
			if err != nil {
				a.logger.Error("graceful leave failed", "error", err)
			}
			a.Shutdown()
			done <- err
		}()
		for {
			select {
			case err := <-done:
				if err != nil {
					return 1
				}
				if a.server != nil {
					c.Ui.Output("==> Left the cluster; agent stopped")
				} else {
					c.Ui.Output("==> Agent stopped")
				}
				return 0
			case s := <-sigCh:
				if s == syscall.SIGHUP {
					continue
				}
				c.Ui.Output(fmt.Sprintf("==> Caught second signal %v: exiting now", s))
				return 1
			}
		}
	}
}

// reload re-reads files and flags and applies the log level only.
func (c *Command) reload(a *Agent, f *agentFlags) {
	cfg, err := buildConfig(f)
	if err != nil {
		a.logger.Error("reload failed; keeping the running configuration", "error", err)
		return
	}
	level, _ := parseLogLevel(cfg.LogLevel)
	// Only the level changes; the Config that /v1/agent/self shows is
	// read concurrently by handlers and stays as started.
	a.SetLogLevel(level)
	a.logger.Info("reloaded configuration", "log_level", level.String())
}
