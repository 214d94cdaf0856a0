package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// bound is the longest the suite waits for anything; reaching it fails
// the test rather than hanging it.
const bound = 10 * time.Second

// Run runs the conformance suite against the driver h launches. Tests that
// need the plugin out of process (reattach, recovery after a crash) are
// skipped when Instance.Reattach or Instance.Crash is nil.
func Run(t *testing.T, h Harness) {
	s := &suite{h: h}
	t.Run("Info", s.testInfo)
	t.Run("ExitZero", s.testExitZero)
	t.Run("ExitCode", s.testExitCode)
	t.Run("StartTwice", s.testStartTwice)
	t.Run("Stop", s.testStop)
	t.Run("StopThenKill", s.testStopThenKill)
	t.Run("Destroy", s.testDestroy)
	t.Run("Env", s.testEnv)
	t.Run("Logs", s.testLogs)
	t.Run("Stats", s.testStats)
	t.Run("Signal", s.testSignal)
	t.Run("Exec", s.testExec)
	t.Run("RecoverAfterClientRestart", s.testRecoverAfterClientRestart)
	t.Run("RecoverAfterPluginRestart", s.testRecoverAfterPluginRestart)
}

type suite struct{ h Harness }

// launch starts the driver and hands it its config.
func (s *suite) launch(t *testing.T) *Instance {
	t.Helper()
	inst := s.h.Launch(t)
	if err := inst.Driver.SetConfig(ctx(t), s.h.PluginConfig); err != nil {
		t.Fatalf("SetConfig: %v", err)
	}
	return inst
}

// ctx is bounded by the suite's bound and by the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return c
}

// taskConfig prepares a task config with a fresh task dir and log paths.
func taskConfig(t *testing.T, name string) *plugin.TaskConfig {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"local", "secrets", "tmp", "alloc", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &plugin.TaskConfig{
		ID:            fmt.Sprintf("%s/%s", strings.ReplaceAll(t.Name(), "/", "-"), name),
		Name:          name,
		AllocID:       "alloc-" + name,
		JobName:       "conformance",
		TaskGroupName: "group",
		Env:           map[string]string{"NOMAD_TASK_NAME": name},
		Resources:     plugin.Resources{CPUMHz: 100, MemoryMB: 64},
		TaskDir: plugin.TaskDir{
			Dir:            dir,
			LocalDir:       filepath.Join(dir, "local"),
			SecretsDir:     filepath.Join(dir, "secrets"),
			TmpDir:         filepath.Join(dir, "tmp"),
			SharedAllocDir: filepath.Join(dir, "alloc"),
			LogDir:         filepath.Join(dir, "logs"),
		},
		StdoutPath: filepath.Join(dir, "logs", name+".stdout.0"),
		StderrPath: filepath.Join(dir, "logs", name+".stderr.0"),
	}
}

func start(t *testing.T, d plugin.DriverPlugin, cfg *plugin.TaskConfig) *plugin.TaskHandle {
	t.Helper()
	h, err := d.StartTask(ctx(t), cfg)
	if err != nil {
		t.Fatalf("StartTask %q: %v", cfg.ID, err)
	}
	if h == nil || h.Config == nil || h.Config.ID != cfg.ID {
		t.Fatalf("StartTask %q returned handle %+v, want one for the task", cfg.ID, h)
	}
	return h
}

func wait(t *testing.T, d plugin.DriverPlugin, id string) *plugin.ExitResult {
	t.Helper()
	r, err := d.WaitTask(ctx(t), id)
	if err != nil {
		t.Fatalf("WaitTask %q: %v", id, err)
	}
	if r == nil {
		t.Fatalf("WaitTask %q returned no result", id)
	}
	return r
}

// stopAndDestroy cleans a task up, tolerating one that is already gone.
func stopAndDestroy(t *testing.T, d plugin.DriverPlugin, id string) {
	t.Helper()
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		_ = d.DestroyTask(c, id, true)
	})
}

// waitFor polls cond until it holds or the bound passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", bound, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *suite) testInfo(t *testing.T) {
	inst := s.launch(t)
	d := inst.Driver
	info, err := d.PluginInfo(ctx(t))
	if err != nil || info.Name == "" || info.ProtocolVersion != plugin.ProtocolVersion {
		t.Fatalf("PluginInfo = %+v, %v; want a name and protocol version %d", info, err, plugin.ProtocolVersion)
	}
	cs, err := d.ConfigSchema(ctx(t))
	if err != nil || cs.Task == nil {
		t.Fatalf("ConfigSchema = %+v, %v; want a task schema", cs, err)
	}
	if _, err := cs.Task.Spec(); err != nil {
		t.Fatalf("task schema does not rebuild into a spec: %v", err)
	}
	if _, err := d.Capabilities(ctx(t)); err != nil {
		t.Fatalf("Capabilities: %v", err)
	}
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	fps, err := d.Fingerprint(c)
	if err != nil {
		t.Fatalf("Fingerprint: %v", err)
	}
	select {
	case fp, ok := <-fps:
		if !ok || fp.Health != plugin.HealthHealthy {
			t.Fatalf("first fingerprint = %+v (open %v), want healthy", fp, ok)
		}
	case <-time.After(bound):
		t.Fatal("no fingerprint within the bound")
	}
}

func (s *suite) testExitZero(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "zero")
	s.h.Tasks.ExitZero(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if r := wait(t, d, cfg.ID); !r.Successful() {
		t.Fatalf("exit = %+v, want success", r)
	}
	st, err := d.InspectTask(ctx(t), cfg.ID)
	if err != nil {
		t.Fatalf("InspectTask: %v", err)
	}
	if st.State != plugin.TaskStateExited || st.ExitResult == nil || st.ExitResult.ExitCode != 0 {
		t.Fatalf("inspect = %+v, want exited with code 0", st)
	}
	if st.StartedAt.IsZero() || st.CompletedAt.Before(st.StartedAt) {
		t.Fatalf("inspect times = %v..%v, want a start and a completion after it", st.StartedAt, st.CompletedAt)
	}
}

func (s *suite) testExitCode(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "three")
	s.h.Tasks.ExitThree(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if r := wait(t, d, cfg.ID); r.ExitCode != 3 || r.Successful() {
		t.Fatalf("exit = %+v, want code 3", r)
	}
}

func (s *suite) testStartTwice(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "twice")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if _, err := d.StartTask(ctx(t), cfg); !errors.Is(err, plugin.ErrTaskExists) {
		t.Fatalf("second StartTask = %v, want ErrTaskExists", err)
	}
}

func (s *suite) testStop(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "stop")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	st, err := d.InspectTask(ctx(t), cfg.ID)
	if err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("inspect = %+v, %v; want running", st, err)
	}
	if marker := s.h.Tasks.WaitingMarker; marker != "" {
		waitFor(t, "the task to print "+marker, func() bool {
			b, err := os.ReadFile(cfg.StdoutPath)
			return err == nil && strings.Contains(string(b), marker)
		})
	}
	if err := d.StopTask(ctx(t), cfg.ID, bound/2, "SIGTERM"); err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	// The task honours SIGTERM, so it must not have needed a kill.
	r := wait(t, d, cfg.ID)
	if r.Signal == int(syscall.SIGKILL) {
		t.Fatalf("exit = %+v: the task was killed though it honours SIGTERM", r)
	}
}

func (s *suite) testStopThenKill(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "stubborn")
	s.h.Tasks.IgnoresStop(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if marker := s.h.Tasks.IgnoringMarker; marker != "" {
		waitFor(t, "the task to print "+marker, func() bool {
			b, err := os.ReadFile(cfg.StdoutPath)
			return err == nil && strings.Contains(string(b), marker)
		})
	}
	if err := d.StopTask(ctx(t), cfg.ID, 200*time.Millisecond, "SIGTERM"); err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	// StopTask returns once the task is gone, so Wait answers at once.
	r := wait(t, d, cfg.ID)
	if r.Signal != int(syscall.SIGKILL) {
		t.Fatalf("exit = %+v, want killed with SIGKILL after the timeout", r)
	}
}

func (s *suite) testDestroy(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "destroy")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	if err := d.DestroyTask(ctx(t), cfg.ID, false); !errors.Is(err, plugin.ErrTaskRunning) {
		t.Fatalf("DestroyTask(force=false) of a running task = %v, want ErrTaskRunning", err)
	}
	if err := d.DestroyTask(ctx(t), cfg.ID, true); err != nil {
		t.Fatalf("DestroyTask(force=true): %v", err)
	}
	if _, err := d.InspectTask(ctx(t), cfg.ID); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("InspectTask after destroy = %v, want ErrTaskNotFound", err)
	}
	if err := d.DestroyTask(ctx(t), "no-such-task", false); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("DestroyTask of an unknown task = %v, want ErrTaskNotFound", err)
	}
}

func (s *suite) testEnv(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "env")
	cfg.Env["CONFORMANCE_VALUE"] = "from-the-client-42"
	s.h.Tasks.PrintEnv(cfg, "CONFORMANCE_VALUE")
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if r := wait(t, d, cfg.ID); !r.Successful() {
		t.Fatalf("exit = %+v, want success", r)
	}
	if out := readFile(t, cfg.StdoutPath); !strings.Contains(out, "from-the-client-42") {
		t.Fatalf("stdout = %q, want the environment variable's value", out)
	}
}

func (s *suite) testLogs(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "logs")
	s.h.Tasks.Stdout(cfg, "hello from the task\n")
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	wait(t, d, cfg.ID)
	if out := readFile(t, cfg.StdoutPath); !strings.Contains(out, "hello from the task") {
		t.Fatalf("stdout log = %q, want the task's output", out)
	}
	if _, err := os.Stat(cfg.StderrPath); err != nil {
		t.Fatalf("stderr log: %v; the driver must create it", err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func (s *suite) testStats(t *testing.T) {
	d := s.launch(t).Driver
	cfg := taskConfig(t, "stats")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	ch, err := d.TaskStats(c, cfg.ID, 20*time.Millisecond)
	if err != nil {
		t.Fatalf("TaskStats: %v", err)
	}
	var last time.Time
	for i := 0; i < 3; i++ {
		select {
		case u, ok := <-ch:
			if !ok {
				t.Fatalf("stats stream closed after %d samples", i)
			}
			if u.Timestamp.IsZero() || u.Timestamp.Before(last) {
				t.Fatalf("sample %d timestamp %v, want set and not before %v", i, u.Timestamp, last)
			}
			last = u.Timestamp
		case <-time.After(bound):
			t.Fatalf("no stats sample %d within the bound", i)
		}
	}
	if _, err := d.TaskStats(c, "no-such-task", time.Second); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("TaskStats of an unknown task = %v, want ErrTaskNotFound", err)
	}
}

func (s *suite) testSignal(t *testing.T) {
	inst := s.launch(t)
	d := inst.Driver
	caps, err := d.Capabilities(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !caps.SendSignals {
		t.Skip("driver does not send signals")
	}
	cfg := taskConfig(t, "signal")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	if err := d.SignalTask(ctx(t), cfg.ID, "SIGUSR1"); err != nil {
		t.Fatalf("SignalTask: %v", err)
	}
	if err := d.SignalTask(ctx(t), "no-such-task", "SIGUSR1"); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("SignalTask of an unknown task = %v, want ErrTaskNotFound", err)
	}
}

func (s *suite) testExec(t *testing.T) {
	d := s.launch(t).Driver
	caps, err := d.Capabilities(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Exec {
		cfg := taskConfig(t, "noexec")
		s.h.Tasks.LongRunning(cfg)
		start(t, d, cfg)
		stopAndDestroy(t, d, cfg.ID)
		var out bytes.Buffer
		if _, err := d.ExecTask(ctx(t), cfg.ID, s.h.Tasks.ExecCat, plugin.ExecStdio{Stdout: &out, Stderr: &out}); !errors.Is(err, plugin.ErrNotSupported) {
			t.Fatalf("ExecTask without the exec capability = %v, want ErrNotSupported", err)
		}
		return
	}
	cfg := taskConfig(t, "exec")
	s.h.Tasks.LongRunning(cfg)
	start(t, d, cfg)
	stopAndDestroy(t, d, cfg.ID)
	var stdout, stderr bytes.Buffer
	r, err := d.ExecTask(ctx(t), cfg.ID, s.h.Tasks.ExecCat, plugin.ExecStdio{
		Stdin:  strings.NewReader("hello through exec\n"),
		Stdout: &stdout,
		Stderr: &stderr,
	})
	if err != nil {
		t.Fatalf("ExecTask: %v", err)
	}
	if !r.Successful() || stdout.String() != "hello through exec\n" {
		t.Fatalf("exec = %+v, stdout %q, stderr %q; want success echoing stdin", r, stdout.String(), stderr.String())
	}
}

// testRecoverAfterClientRestart: a second client re-attaches to the
// running plugin and recovers the task, which keeps running.
func (s *suite) testRecoverAfterClientRestart(t *testing.T) {
	inst := s.launch(t)
	if inst.Reattach == nil {
		t.Skip("the driver runs in process; nothing to re-attach to")
	}
	cfg := taskConfig(t, "reattach")
	s.h.Tasks.LongRunning(cfg)
	h := start(t, inst.Driver, cfg)

	d2 := inst.Reattach(t)
	stopAndDestroy(t, d2, cfg.ID)
	if err := d2.RecoverTask(ctx(t), h); err != nil {
		t.Fatalf("RecoverTask after re-attach: %v", err)
	}
	st, err := d2.InspectTask(ctx(t), cfg.ID)
	if err != nil || st.State != plugin.TaskStateRunning {
		t.Fatalf("inspect after recovery = %+v, %v; want still running", st, err)
	}
	if err := d2.StopTask(ctx(t), cfg.ID, bound/2, "SIGTERM"); err != nil {
		t.Fatalf("StopTask after recovery: %v", err)
	}
	wait(t, d2, cfg.ID)
}

// testRecoverAfterPluginRestart: the plugin process dies and a new one is
// launched. A driver whose tasks outlive the plugin
// (RecoverAfterPluginRestart) must recover the task; any other must say
// the task is gone with ErrTaskNotFound, so the client marks it lost.
func (s *suite) testRecoverAfterPluginRestart(t *testing.T) {
	inst := s.launch(t)
	if inst.Crash == nil {
		t.Skip("the driver runs in process; there is no process to kill")
	}
	caps, err := inst.Driver.Capabilities(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := taskConfig(t, "crash")
	s.h.Tasks.LongRunning(cfg)
	h := start(t, inst.Driver, cfg)
	inst.Crash(t)

	d2 := s.launch(t).Driver
	stopAndDestroy(t, d2, cfg.ID)
	err = d2.RecoverTask(ctx(t), h)
	if !caps.RecoverAfterPluginRestart {
		if !errors.Is(err, plugin.ErrTaskNotFound) {
			t.Fatalf("RecoverTask in a new plugin process = %v, want ErrTaskNotFound", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("RecoverTask in a new plugin process: %v", err)
	}
	if err := d2.StopTask(ctx(t), cfg.ID, bound/2, "SIGTERM"); err != nil {
		t.Fatalf("StopTask after recovery: %v", err)
	}
	wait(t, d2, cfg.ID)
}
