package oci

import (
	"os"
	"os/exec"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/plugin/conformance"
)

func harness(t *testing.T, launch func(t *testing.T) *conformance.Instance) conformance.Harness {
	return conformance.Harness{
		Launch:       launch,
		PluginConfig: pluginConfigJSON(sharedDataDir, nil),
		Tasks: conformance.Tasks{
			LongRunning: func(cfg *plugin.TaskConfig) { taskbin(t, cfg, nil, "wait") },
			IgnoresStop: func(cfg *plugin.TaskConfig) { taskbin(t, cfg, nil, "ignore") },
			// taskbin is PID 1 of the container: a SIGTERM that beats
			// its signal.Ignore makes the Go runtime exit 2.
			IgnoringMarker: "ignoring",
			WaitingMarker:  "waiting",
			ExitZero:       func(cfg *plugin.TaskConfig) { taskbin(t, cfg, nil, "exit", "0") },
			ExitThree:      func(cfg *plugin.TaskConfig) { taskbin(t, cfg, nil, "exit", "3") },
			Stdout:         func(cfg *plugin.TaskConfig, text string) { taskbin(t, cfg, nil, "stdout", text) },
			PrintEnv:       func(cfg *plugin.TaskConfig, name string) { taskbin(t, cfg, nil, "printenv", name) },
			ExecCat:        []string{"/bin/cat"},
		},
	}
}

// TestConformanceOutOfProcess runs the suite against the driver served by
// this test binary in its own process, over go-plugin and gRPC; its
// RecoverAfterPluginRestart kills that process with SIGKILL while a
// container runs and recovers the container in a new one.
func TestConformanceOutOfProcess(t *testing.T) {
	needContainers(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	conformance.Run(t, harness(t, conformance.OutOfProcess(func() *exec.Cmd {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), servePluginEnv+"=1")
		return cmd
	})))
}

// TestConformanceInProcess runs the suite over in-memory gRPC.
func TestConformanceInProcess(t *testing.T) {
	needContainers(t)
	conformance.Run(t, harness(t, conformance.InProcess(func() plugin.DriverPlugin {
		return New(testDriverConfig(nil))
	})))
}
