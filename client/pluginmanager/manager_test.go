package pluginmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// nomadishBin is the nomadish binary TestMain builds; empty when it could
// not, and skipReason then says why.
var nomadishBin, skipReason string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pluginmanager-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := exec.LookPath("go"); err != nil {
		skipReason = "the go tool is not on PATH, so the nomadish binary cannot be built"
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		bin := filepath.Join(dir, "nomadish")
		out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/nomadish/nomadish").CombinedOutput()
		cancel()
		if err != nil {
			skipReason = fmt.Sprintf("building the nomadish binary failed: %v\n%s", err, out)
		} else {
			nomadishBin = bin
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func needBinary(t *testing.T) {
	t.Helper()
	if nomadishBin == "" {
		t.Skip(skipReason)
	}
}

// killAtCleanup SIGKILLs pid when the test ends, whatever happened.
func killAtCleanup(t *testing.T, pid int) {
	t.Helper()
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
}

// waitFor polls cond until it holds or a generous bound passes; it is
// for real processes, which no fake clock can drive.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gone reports whether pid has exited and been reaped.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// syncBuffer is a log sink safe for the manager's goroutines.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const interval = 10 * time.Second

// newManager returns a started manager of the mock driver whose plugin
// is killed by PID at cleanup.
func newManager(t *testing.T, cfg Config) *Manager {
	t.Helper()
	cfg.Drivers = []string{"mock"}
	if cfg.Binary == "" {
		cfg.Binary = nomadishBin
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Warn, Output: os.Stderr})
	}
	cfg.HealthInterval = interval
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	if rc, ok := m.ReattachConfig("mock"); ok {
		killAtCleanup(t, rc.Pid)
	}
	return m
}

func mockDriver(t *testing.T, m *Manager) plugin.DriverPlugin {
	t.Helper()
	d, err := m.Driver("mock")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func longRunningTask(t *testing.T, id string) *plugin.TaskConfig {
	dir := t.TempDir()
	return &plugin.TaskConfig{
		ID:           id,
		Name:         "web",
		AllocID:      "alloc-1",
		JobName:      "example",
		DriverConfig: []byte(`{"run_for": "1h"}`),
		TaskDir:      plugin.TaskDir{Dir: dir, LogDir: dir},
		StdoutPath:   filepath.Join(dir, "web.stdout.0"),
		StderrPath:   filepath.Join(dir, "web.stderr.0"),
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestRestartReattachesToTheSamePlugin is the client restart path: the
// plugin process and its task outlive the manager.
func TestRestartReattachesToTheSamePlugin(t *testing.T) {
	needBinary(t)
	stateFile := filepath.Join(t.TempDir(), "plugins.json")

	m1 := newManager(t, Config{StateFile: stateFile, Clock: newFakeClock()})
	rc1, ok := m1.ReattachConfig("mock")
	if !ok {
		t.Fatal("no reattach config after Start")
	}
	handle, err := mockDriver(t, m1).StartTask(ctx(t), longRunningTask(t, "task-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m1.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(rc1.Pid, 0); err != nil {
		t.Fatalf("plugin pid %d did not outlive Shutdown(false): %v", rc1.Pid, err)
	}
	if _, err := m1.Driver("mock"); !errors.Is(err, ErrClosed) {
		t.Errorf("Driver after Shutdown = %v, want ErrClosed", err)
	}

	var saved state
	b, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &saved); err != nil || saved.Plugins["mock"] == nil || saved.Plugins["mock"].Pid != rc1.Pid {
		t.Fatalf("state file does not hold the plugin's pid %d: %s (%v)", rc1.Pid, b, err)
	}
	if fi, _ := os.Stat(stateFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}

	m2 := newManager(t, Config{StateFile: stateFile, Clock: newFakeClock()})
	rc2, _ := m2.ReattachConfig("mock")
	if rc2.Pid != rc1.Pid {
		t.Fatalf("new manager runs plugin pid %d, want the same pid %d", rc2.Pid, rc1.Pid)
	}
	d2 := mockDriver(t, m2)
	st, err := d2.InspectTask(ctx(t), "task-1")
	if err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("InspectTask after re-attach = %+v, %v; want running", st, err)
	}
	if err := d2.RecoverTask(ctx(t), handle); err != nil {
		t.Fatalf("RecoverTask after re-attach: %v", err)
	}

	if err := m2.Shutdown(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the killed plugin to be reaped", func() bool { return gone(rc1.Pid) })
	b, _ = os.ReadFile(stateFile)
	if strings.Contains(string(b), `"mock"`) {
		t.Errorf("state file still names the killed plugin: %s", b)
	}
}

// TestCrashedPluginIsRelaunched kills the plugin with SIGKILL; the next
// health check launches a new one and calls OnRestart.
func TestCrashedPluginIsRelaunched(t *testing.T) {
	needBinary(t)
	clock := newFakeClock()
	restarted := make(chan string, 4)
	m := newManager(t, Config{
		StateFile: filepath.Join(t.TempDir(), "plugins.json"),
		Clock:     clock,
		OnRestart: func(name string) { restarted <- name },
	})
	rc1, _ := m.ReattachConfig("mock")
	if _, err := mockDriver(t, m).StartTask(ctx(t), longRunningTask(t, "task-1")); err != nil {
		t.Fatal(err)
	}

	if err := syscall.Kill(rc1.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the killed plugin to be reaped", func() bool { return gone(rc1.Pid) })
	waitFor(t, "the health loop to wait for its tick", func() bool { return clock.Armed() == 1 })
	clock.Advance(interval)

	select {
	case name := <-restarted:
		if name != "mock" {
			t.Fatalf("OnRestart(%q), want mock", name)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("OnRestart was not called after the plugin died")
	}
	rc2, ok := m.ReattachConfig("mock")
	if !ok || rc2.Pid == rc1.Pid {
		t.Fatalf("plugin pid after relaunch = %d (%v), want a new one (old %d)", rc2.Pid, ok, rc1.Pid)
	}
	killAtCleanup(t, rc2.Pid)
	d := mockDriver(t, m)
	if _, err := d.InspectTask(ctx(t), "task-1"); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Errorf("the mock's task after a plugin restart: %v, want ErrTaskNotFound", err)
	}
	if _, err := d.StartTask(ctx(t), longRunningTask(t, "task-2")); err != nil {
		t.Fatalf("the relaunched plugin does not start tasks: %v", err)
	}
	if err := m.Shutdown(true); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptStateFileIsIgnored reports a state file that cannot be read
// and launches the plugins afresh.
func TestCorruptStateFileIsIgnored(t *testing.T) {
	needBinary(t)
	stateFile := filepath.Join(t.TempDir(), "plugins.json")
	if err := os.WriteFile(stateFile, []byte(`{"version": 1, "plugins": {"mock": `), 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	m := newManager(t, Config{
		StateFile: stateFile,
		Clock:     newFakeClock(),
		Logger:    hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Warn, Output: &log}),
	})
	for _, want := range []string{"ignoring the plugin state file; launching every plugin afresh", stateFile, "plugin state file is corrupt", "unexpected end of JSON input"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if _, err := mockDriver(t, m).PluginInfo(ctx(t)); err != nil {
		t.Fatal(err)
	}
	rc, _ := m.ReattachConfig("mock")
	s, err := readState(stateFile)
	if err != nil || s.Plugins["mock"] == nil || s.Plugins["mock"].Pid != rc.Pid {
		t.Fatalf("state file not rewritten with the new plugin: %+v, %v", s, err)
	}
	if err := m.Shutdown(true); err != nil {
		t.Fatal(err)
	}
}

// TestLaunchFailureBacksOff needs no binary: launching a missing one fails,
// Driver says why, and retries wait out a doubling back-off.
func TestLaunchFailureBacksOff(t *testing.T) {
	clock := newFakeClock()
	m, err := New(Config{
		Binary:            filepath.Join(t.TempDir(), "no-such-nomadish"),
		Drivers:           []string{"mock"},
		Clock:             clock,
		HealthInterval:    interval,
		RestartBackoff:    15 * time.Second,
		MaxRestartBackoff: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Driver("mock"); !errors.Is(err, ErrPluginDown) || !strings.Contains(err.Error(), "no-such-nomadish") {
		t.Fatalf("Driver = %v, want ErrPluginDown naming the binary", err)
	}
	if _, err := m.Driver("docker"); !errors.Is(err, ErrUnknownDriver) {
		t.Fatalf("Driver(docker) = %v, want ErrUnknownDriver", err)
	}
	failures := func() int {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.plugins["mock"].failures
	}
	tick := func() {
		waitFor(t, "the health loop to wait for its tick", func() bool { return clock.Armed() == 1 })
		clock.Advance(interval)
		waitFor(t, "the health check to finish", func() bool { return clock.Armed() == 1 })
	}
	// Start failed once: the next try is 15s later, so the 10s tick skips
	// it and the 20s one tries (2 failures, next wait 30s: at 50s).
	for i, want := range []int{1, 2, 2, 2, 3} {
		tick()
		if got := failures(); got != want {
			t.Fatalf("after tick %d: %d failures, want %d", i+1, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 30 * time.Second, 7: 30 * time.Second, 100: 30 * time.Second} {
		if got := backoff(n, time.Second, 30*time.Second); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestNewRefusesDuplicateDrivers(t *testing.T) {
	if _, err := New(Config{Binary: "x", Drivers: []string{"mock", "mock"}}); err == nil {
		t.Fatal("a driver listed twice was accepted")
	}
}

// TestPluginDirAndConfig launches the plugin with its own directory in
// NOMADISH_PLUGIN_DIR and hands it its config; a config the driver
// refuses keeps the plugin down with the driver's reason.
func TestPluginDirAndConfig(t *testing.T) {
	needBinary(t)
	dataDir := filepath.Join(t.TempDir(), "plugins")
	m := newManager(t, Config{Clock: newFakeClock(), DataDir: dataDir})
	rc, ok := m.ReattachConfig("mock")
	if !ok {
		t.Fatalf("mock plugin not running: %v", func() error { _, err := m.Driver("mock"); return err }())
	}
	dir := filepath.Join(dataDir, "mock")
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("plugin dir %s: %v, %v; want a 0700 directory", dir, fi, err)
	}
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", rc.Pid))
	if err != nil {
		t.Skipf("cannot read the plugin's environment: %v", err)
	}
	var got []string
	for _, kv := range strings.Split(string(env), "\x00") {
		if strings.HasPrefix(kv, PluginDirEnv+"=") {
			got = append(got, kv)
		}
	}
	if want := PluginDirEnv + "=" + dir; len(got) != 1 || got[0] != want {
		t.Errorf("plugin environment has %v, want [%s]", got, want)
	}
	if err := m.Shutdown(true); err != nil {
		t.Fatal(err)
	}

	bad, err := New(Config{
		Binary:        nomadishBin,
		Drivers:       []string{"mock"},
		Clock:         newFakeClock(),
		PluginConfigs: map[string][]byte{"mock": []byte(`{"nope": true}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Start(); err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	if _, err := bad.Driver("mock"); !errors.Is(err, ErrPluginDown) || !strings.Contains(err.Error(), "mock driver takes no plugin config") {
		t.Fatalf("Driver with a refused config = %v, want ErrPluginDown with the driver's reason", err)
	}
}
