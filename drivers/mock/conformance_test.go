package mock

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/plugin/conformance"
)

// servePluginEnv switches the test binary into a mock driver plugin: the
// out-of-process tests re-execute os.Args[0] with it set.
const servePluginEnv = "NOMADISH_TEST_SERVE_MOCK_PLUGIN"

func TestMain(m *testing.M) {
	if os.Getenv(servePluginEnv) == "1" {
		logger := hclog.New(&hclog.LoggerOptions{Name: "mock", Level: hclog.Warn, Output: os.Stderr})
		plugin.Serve(New(Config{Logger: logger}), logger)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func driverConfig(t *testing.T, cfg *plugin.TaskConfig, c map[string]any) {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DriverConfig = b
}

func harness(t *testing.T, launch func(t *testing.T) *conformance.Instance) conformance.Harness {
	return conformance.Harness{
		Launch: launch,
		Tasks: conformance.Tasks{
			LongRunning: func(cfg *plugin.TaskConfig) { driverConfig(t, cfg, map[string]any{"run_for": "1h"}) },
			IgnoresStop: func(cfg *plugin.TaskConfig) {
				driverConfig(t, cfg, map[string]any{"run_for": "1h", "kill_after": "1h"})
			},
			ExitZero:  func(cfg *plugin.TaskConfig) { driverConfig(t, cfg, map[string]any{"run_for": "10ms"}) },
			ExitThree: func(cfg *plugin.TaskConfig) { driverConfig(t, cfg, map[string]any{"run_for": "10ms", "exit_code": 3}) },
			Stdout: func(cfg *plugin.TaskConfig, text string) {
				driverConfig(t, cfg, map[string]any{"stdout_string": text})
			},
			PrintEnv: func(cfg *plugin.TaskConfig, name string) {
				driverConfig(t, cfg, map[string]any{"stdout_string": "${" + name + "}\n"})
			},
			ExecCat: []string{"cat"},
		},
	}
}

// TestConformanceOutOfProcess runs the suite against the mock served by
// this test binary in its own process, over go-plugin and gRPC.
func TestConformanceOutOfProcess(t *testing.T) {
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
	conformance.Run(t, harness(t, conformance.InProcess(func() plugin.DriverPlugin {
		return New(Config{})
	})))
}
