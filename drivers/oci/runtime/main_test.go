package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Environment variables that turn the test binary into a monitor or into a
// stand-in plugin process.
const (
	envMonitor    = "NOMADISH_OCI_TEST_MONITOR"
	envFakePlugin = "NOMADISH_OCI_TEST_FAKE_PLUGIN"
)

// ctrBinary is the static test program containers run; "" when it could
// not be built (not root: the container tests skip before needing it).
var ctrBinary string

func TestMain(m *testing.M) {
	if os.Getenv(envMonitor) == "1" {
		os.Exit(MonitorMain(os.Args[1:]))
	}
	if spec := os.Getenv(envFakePlugin); spec != "" {
		os.Exit(fakePluginMain(spec))
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Geteuid() == 0 {
		dir, err := os.MkdirTemp("", "oci-runtime-ctr")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "ctr")
		cmd := exec.Command("go", "build", "-o", out, "./testdata/ctr")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build testdata/ctr: %v\n%s", err, b)
			return 1
		}
		ctrBinary = out
	}
	return m.Run()
}

// fakePlugin is what the stand-in plugin process is asked to start.
type fakePlugin struct {
	Runtime, StateDir, Root, Bundle, ID, Stdout string
}

// fakePluginMain starts one container like a driver plugin would, prints
// "started <init pid> <monitor pid>" and waits to be killed.
func fakePluginMain(spec string) int {
	var fp fakePlugin
	if err := json.Unmarshal([]byte(spec), &fp); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	rt, err := New(testConfig(fp.Runtime, fp.StateDir, fp.Root))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	c, err := rt.Start(context.Background(), fp.Bundle, fp.ID, fp.Stdout, fp.Stdout)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Printf("started %d %d\n", c.Pid(), c.MonitorPid())
	for {
		time.Sleep(time.Hour)
	}
}

// testConfig runs the test binary itself as the monitor.
func testConfig(runtime, stateDir, root string) Config {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return Config{
		Runtime:      runtime,
		StateDir:     stateDir,
		Root:         root,
		MonitorPath:  self,
		MonitorArgs:  []string{},
		MonitorEnv:   []string{envMonitor + "=1"},
		CallTimeout:  10 * time.Second,
		StartTimeout: 30 * time.Second,
	}
}
