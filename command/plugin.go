package command

import (
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
	"github.com/nomadish/nomadish/drivers/docker"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/oci"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/wasm"
)

// builtinDrivers are the drivers `nomadish plugin` can serve, by the name a
// job file uses. Each new driver adds one line here.
var builtinDrivers = map[string]func(logger hclog.Logger) plugin.DriverPlugin{
	mock.Name: func(logger hclog.Logger) plugin.DriverPlugin { return mock.New(mock.Config{Logger: logger}) },
	wasm.Name: func(logger hclog.Logger) plugin.DriverPlugin { return wasm.New(wasm.Config{Logger: logger}) },
	// The oci driver runs its containers' monitors as this binary's
	// hidden oci-monitor command; it fingerprints unhealthy, saying what
	// is missing, on a host without runc or crun.
	oci.Name: func(logger hclog.Logger) plugin.DriverPlugin { return oci.New(oci.Config{Logger: logger}) },
	// The docker driver talks to the local Docker engine; it fingerprints
	// unhealthy, saying why, when none answers at its endpoint.
	docker.Name: func(logger hclog.Logger) plugin.DriverPlugin { return docker.New(docker.Config{Logger: logger}) },
}

// builtinDriverNames lists builtinDrivers sorted.
func builtinDriverNames() []string {
	names := make([]string, 0, len(builtinDrivers))
	for name := range builtinDrivers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// hiddenCommands are registered but left out of the top-level help and the
// CLI reference: nobody runs them by hand.
var hiddenCommands = map[string]func(ui cli.Ui) cli.Command{
	"plugin":      func(ui cli.Ui) cli.Command { return &PluginCommand{Ui: ui} },
	"logmon":      func(ui cli.Ui) cli.Command { return &LogmonCommand{Ui: ui} },
	"oci-monitor": func(ui cli.Ui) cli.Command { return &OCIMonitorCommand{Ui: ui} },
}

// addHiddenCommands registers hiddenCommands with c and hides them.
func addHiddenCommands(c *cli.CLI, ui cli.Ui) {
	for name, build := range hiddenCommands {
		c.Commands[name] = func() (cli.Command, error) { return build(ui), nil }
		c.HiddenCommands = append(c.HiddenCommands, name)
	}
}

// PluginCommand is `nomadish plugin <driver>`: the client agent runs it to
// serve a built-in driver in its own process. Its stdout is go-plugin's
// handshake channel, so it writes nothing there: logs and errors go to
// stderr.
type PluginCommand struct {
	Ui cli.Ui

	// serve serves the driver; nil is plugin.Serve. stderr is where logs
	// go; nil is os.Stderr. Tests set both.
	serve  func(driver plugin.DriverPlugin, logger hclog.Logger)
	stderr io.Writer
}

func (c *PluginCommand) Help() string {
	return strings.TrimSpace(fmt.Sprintf(`
Usage: nomadish plugin [options] <driver>

  Serve a built-in task driver as a plugin in this process. The client
  agent starts one such process per driver, talks to it over gRPC through
  hashicorp/go-plugin, and re-attaches to it after the agent restarts, so
  tasks outlive the agent. It is not meant to be run by hand: without the
  handshake environment the agent sets, it refuses to start.

  Standard output carries the plugin handshake; logs are written to
  standard error as JSON, which the agent copies into its own log.

  Built-in drivers: %s

Options:

  -log-level=<level>
    The level of the plugin's log: trace, debug, info, warn or error.
    The default is info.
`, strings.Join(builtinDriverNames(), ", ")))
}

func (c *PluginCommand) Synopsis() string { return "Serve a built-in task driver as a plugin" }

func (c *PluginCommand) Run(args []string) int {
	f := flag.NewFlagSet("plugin", flag.ContinueOnError)
	level := f.String("log-level", "info", "")
	f.SetOutput(&uiErrorWriter{ui: c.Ui})
	f.Usage = func() {}
	if err := f.Parse(args); err != nil {
		// -help is answered by the CLI before Run; anything else is a bad
		// flag, already printed.
		c.Ui.Error(c.Help())
		return exitError
	}
	if f.NArg() != 1 {
		c.Ui.Error(fmt.Sprintf("This command takes one argument, the driver to serve (one of %s); got %d",
			strings.Join(builtinDriverNames(), ", "), f.NArg()))
		c.Ui.Error(c.Help())
		return exitError
	}
	name := f.Arg(0)
	newDriver, ok := builtinDrivers[name]
	if !ok {
		c.Ui.Error(fmt.Sprintf("Unknown driver %q; the built-in drivers are: %s", name, strings.Join(builtinDriverNames(), ", ")))
		return exitError
	}
	lvl := hclog.LevelFromString(*level)
	if lvl == hclog.NoLevel {
		c.Ui.Error(fmt.Sprintf("Invalid -log-level %q; want trace, debug, info, warn or error", *level))
		return exitError
	}
	if os.Getenv(plugin.Handshake.MagicCookieKey) != plugin.Handshake.MagicCookieValue {
		c.Ui.Error(fmt.Sprintf("nomadish plugin %s is started by the client agent, not by hand: the %s handshake variable is not set",
			name, plugin.Handshake.MagicCookieKey))
		return exitError
	}

	stderr := c.stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	serve := c.serve
	if serve == nil {
		// A plugin outlives the agent that launched it, and its stderr is
		// a pipe to that agent: once the agent is gone a log line must fail
		// with EPIPE rather than kill the plugin and its tasks by SIGPIPE.
		signal.Ignore(syscall.SIGPIPE)
		serve = plugin.Serve
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: lvl, Output: stderr, JSONFormat: true})
	serve(newDriver(logger), logger)
	return exitOK
}
