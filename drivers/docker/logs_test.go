package docker

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// engineLines is how many lines of "tick" the engine holds for the container.
func engineLines(t *testing.T, c *client.Client, id string) int {
	t.Helper()
	rc, err := c.ContainerLogs(testCtx(t), id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out strings.Builder
	if _, err := stdcopy.StdCopy(&out, io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	return strings.Count(out.String(), "tick\n")
}

func fileLines(t *testing.T, path string) int {
	b, _ := readFileQuiet(path)
	return strings.Count(string(b), "tick\n")
}

// tickTask starts a task printing "tick" every 50 ms on a driver whose
// engine is behind proxy, and returns its container ID.
func tickTask(t *testing.T, d *Driver, name string) (string, *taskInfo) {
	t.Helper()
	cfg := taskConfigIn(t, t.TempDir(), name, name)
	taskbin(t, cfg, nil, "tick")
	h, err := d.StartTask(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	t.Cleanup(func() { _ = d.DestroyTask(context.Background(), cfg.ID, true) })
	var st driverState
	if err := h.DecodeDriverState(&st); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "3 ticks in the log", func() bool { return fileLines(t, cfg.StdoutPath) >= 3 })
	return st.ContainerID, &taskInfo{cfg: cfg, handle: h}
}

// The engine dropping the log stream of a running task: the streamer
// follows it again from the last line copied, and every line, those
// written while the stream was down included, reaches the log once.
func TestLogsFollowAgainAfterBreak(t *testing.T) {
	needEngine(t)
	proxy := newEngineProxy(t)
	d := newDriver(t, map[string]any{"endpoint": "unix://" + proxy.path})
	direct := newDriver(t, nil)
	_, c, _ := direct.configured()
	id, ti := tickTask(t, d, "logs-break")
	tk, _ := d.tasks.Get(ti.cfg.ID)

	proxy.setDown(true)
	atBreak := fileLines(t, ti.cfg.StdoutPath)
	waitUntil(t, 30*time.Second, "5 ticks more in the engine than in the log", func() bool { return engineLines(t, c, id) >= atBreak+5 })
	proxy.setDown(false)
	waitUntil(t, 30*time.Second, "the log to grow again", func() bool { return fileLines(t, ti.cfg.StdoutPath) >= atBreak+5 })
	if n := tk.logs.streams(); n < 2 {
		t.Fatalf("%d log streams opened; want the stream followed again", n)
	}
	if _, err := c.ContainerKill(testCtx(t), id, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
	if r, err := d.WaitTask(testCtx(t), ti.cfg.ID); err != nil || r.ExitCode != 137 || r.Signal != 9 {
		t.Fatalf("exit = %+v, %v; want 137 and signal 9", r, err)
	}
	if got, want := fileLines(t, ti.cfg.StdoutPath), engineLines(t, c, id); got != want {
		t.Fatalf("the log holds %d ticks, the engine %d; want each line exactly once", got, want)
	}
}

// A container that exited while the plugin was down: RecoverTask copies
// the output written since the last line copied before the exit shows.
func TestRecoverExitedCopiesRest(t *testing.T) {
	needEngine(t)
	proxy := newEngineProxy(t)
	d1 := New(Config{EngineRetries: 1, EngineRetryDelay: 10 * time.Millisecond})
	if err := d1.SetConfig(context.Background(), []byte(`{"endpoint":"unix://`+proxy.path+`"}`)); err != nil {
		t.Fatal(err)
	}
	direct := newDriver(t, nil)
	_, c, _ := direct.configured()
	id, ti := tickTask(t, d1, "logs-recover")

	// The plugin goes down: its streamer and the engine stop talking.
	tk, _ := d1.tasks.Get(ti.cfg.ID)
	proxy.setDown(true)
	tk.logs.stop()
	tk.logs.wait(30 * time.Second)
	atDown := fileLines(t, ti.cfg.StdoutPath)
	waitUntil(t, 30*time.Second, "5 ticks more in the engine", func() bool { return engineLines(t, c, id) >= atDown+5 })
	if _, err := c.ContainerKill(testCtx(t), id, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the container to exit", func() bool {
		ins, err := c.ContainerInspect(testCtx(t), id, client.ContainerInspectOptions{})
		return err == nil && ins.Container.State != nil && !ins.Container.State.Running
	})

	if err := direct.RecoverTask(testCtx(t), ti.handle); err != nil {
		t.Fatalf("RecoverTask: %v", err)
	}
	t.Cleanup(func() { _ = direct.DestroyTask(context.Background(), ti.cfg.ID, true) })
	if r, err := direct.WaitTask(testCtx(t), ti.cfg.ID); err != nil || r.ExitCode != 137 {
		t.Fatalf("exit = %+v, %v; want 137", r, err)
	}
	if got, want := fileLines(t, ti.cfg.StdoutPath), engineLines(t, c, id); got != want {
		t.Fatalf("the log holds %d ticks, the engine %d; want each line exactly once", got, want)
	}
}

type taskInfo struct {
	cfg    *plugin.TaskConfig
	handle *plugin.TaskHandle
}

func readFileQuiet(p string) ([]byte, error) { return os.ReadFile(p) }
