// Package conformance is the suite every nomadish task driver must pass.
// A driver's tests call Run with a Harness that launches the driver (out of
// process with OutOfProcess, in memory with InProcess) and builds task
// configs it can run. The suite only uses the DriverPlugin interface; it
// must not know any particular driver.
package conformance

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// Harness is what Run needs from a driver's tests.
type Harness struct {
	// Launch starts a fresh driver plugin. Required.
	Launch func(t *testing.T) *Instance
	// PluginConfig is given to SetConfig; nil sends nothing.
	PluginConfig []byte
	// Tasks fill in the DriverConfig (and anything else) of a task config
	// the suite has prepared with an ID, env, task dir and log paths.
	Tasks Tasks
}

// Tasks build the driver configs of the tasks the suite runs.
type Tasks struct {
	// LongRunning runs until stopped and exits promptly on SIGTERM.
	LongRunning func(cfg *plugin.TaskConfig)
	// IgnoresStop runs until stopped and ignores SIGTERM, so it must be
	// killed.
	IgnoresStop func(cfg *plugin.TaskConfig)
	// IgnoringMarker, when set, is what IgnoresStop's task prints on
	// stdout once SIGTERM is ignored; the suite waits for it before it
	// stops the task. A task that is PID 1 of its namespace and gets the
	// signal before its handler is in place dies of it, or (a Go program)
	// exits 2, which is the task's doing and not the driver's.
	IgnoringMarker string
	// WaitingMarker, when set, is what LongRunning's task prints on
	// stdout once it handles SIGTERM; the suite waits for it before it
	// stops the task and expects no kill. A PID 1 signalled before its
	// handler is in place ignores SIGTERM and is killed after the timeout.
	WaitingMarker string
	// ExitZero exits 0 soon after starting.
	ExitZero func(cfg *plugin.TaskConfig)
	// ExitThree exits 3 soon after starting.
	ExitThree func(cfg *plugin.TaskConfig)
	// Stdout prints text to stdout and exits 0.
	Stdout func(cfg *plugin.TaskConfig, text string)
	// PrintEnv prints the value of the environment variable name to
	// stdout and exits 0.
	PrintEnv func(cfg *plugin.TaskConfig, name string)
	// ExecCat is a command that copies stdin to stdout, run with ExecTask
	// inside a LongRunning task, e.g. ["cat"].
	ExecCat []string
}

// Instance is one running driver plugin.
type Instance struct {
	Driver plugin.DriverPlugin
	// Reattach connects a second, fresh client to the same plugin, as a
	// restarted client agent does. Nil when the driver runs in process.
	Reattach func(t *testing.T) plugin.DriverPlugin
	// Crash kills the plugin process with SIGKILL. Nil in process.
	Crash func(t *testing.T)
}

// OutOfProcess returns a Launch that starts the driver with cmd() as a
// real plugin process over go-plugin and gRPC. Every process it starts is
// killed by PID when the test ends.
func OutOfProcess(cmd func() *exec.Cmd) func(t *testing.T) *Instance {
	return func(t *testing.T) *Instance {
		t.Helper()
		logger := hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Warn, Output: os.Stderr})
		c, rc, err := plugin.LaunchCmd(cmd(), logger)
		if err != nil {
			t.Fatalf("launch plugin: %v", err)
		}
		t.Cleanup(func() {
			c.Kill()
			_ = syscall.Kill(rc.Pid, syscall.SIGKILL)
		})
		return &Instance{
			Driver: c.Driver,
			Reattach: func(t *testing.T) plugin.DriverPlugin {
				t.Helper()
				c2, err := plugin.Reattach(rc, logger)
				if err != nil {
					t.Fatalf("reattach to plugin: %v", err)
				}
				return c2.Driver
			},
			Crash: func(t *testing.T) {
				t.Helper()
				if err := syscall.Kill(rc.Pid, syscall.SIGKILL); err != nil {
					t.Fatalf("kill plugin pid %d: %v", rc.Pid, err)
				}
				waitFor(t, "plugin process to exit", c.Exited)
			},
		}
	}
}

// InProcess returns a Launch that serves newDriver() over in-memory gRPC
// in the test process: the real protocol code, without a process.
func InProcess(newDriver func() plugin.DriverPlugin) func(t *testing.T) *Instance {
	return func(t *testing.T) *Instance {
		t.Helper()
		client, server := goplugin.TestPluginGRPCConn(t, false, map[string]goplugin.Plugin{
			plugin.PluginName: &plugin.GRPCPlugin{Impl: newDriver()},
		})
		// Closing the client asks the server to stop (go-plugin's
		// controller); stopping it here as well races inside go-plugin.
		_ = server
		t.Cleanup(func() { _ = client.Close() })
		raw, err := client.Dispense(plugin.PluginName)
		if err != nil {
			t.Fatalf("dispense driver: %v", err)
		}
		return &Instance{Driver: raw.(plugin.DriverPlugin)}
	}
}
