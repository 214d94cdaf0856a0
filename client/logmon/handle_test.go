//go:build linux

package logmon

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// testBinary is this test binary, which runs Run when started as
// `<binary> logmon` (see TestMain).
func testBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// launch starts a logmon and makes sure the test leaves no process
// behind: Stop checks the process is still this logmon before signalling.
func launch(t *testing.T, cfg Config) *Handle {
	t.Helper()
	h, err := Launch(testBinary(t), cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Stop(time.Second) })
	return h
}

// writeFifo writes s to a FIFO as a driver does: open write-only, write,
// close.
func writeFifo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// readLogs concatenates a stream's rotated files in index order.
func readLogs(t *testing.T, dir, task, stream string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; ; i++ {
		data, err := os.ReadFile(filepath.Join(dir, task+"."+stream+"."+itoa(i)))
		if errors.Is(err, os.ErrNotExist) {
			if i == 0 {
				continue // the rotator may start above 0 after pruning
			}
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		if i > 1000 {
			t.Fatal("runaway index")
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// waitFor polls cond, bounded: the logmon is a real process.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func alive(pid int) bool {
	_, zombie, err := procStat(pid)
	return err == nil && !zombie
}

func TestLaunchCopiesFifosIntoRotatedFiles(t *testing.T) {
	dir := t.TempDir()
	h := launch(t, Config{LogDir: dir, Task: "web"})
	if h.StdoutFifo != filepath.Join(dir, ".web.stdout.fifo") || h.StderrFifo != filepath.Join(dir, ".web.stderr.fifo") {
		t.Fatalf("fifos %q %q", h.StdoutFifo, h.StderrFifo)
	}
	if h.PID <= 0 || h.StartTime <= 0 {
		t.Fatalf("handle %+v", h)
	}
	writeFifo(t, h.StdoutFifo, "hello out\n")
	writeFifo(t, h.StderrFifo, "hello err\n")
	waitFor(t, "stdout file", func() bool { return readLogs(t, dir, "web", "stdout") == "hello out\n" })
	waitFor(t, "stderr file", func() bool { return readLogs(t, dir, "web", "stderr") == "hello err\n" })

	if err := h.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if alive(h.PID) {
		t.Fatal("logmon still running after Stop")
	}
	for _, p := range []string{h.StdoutFifo, h.StderrFifo} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("fifo %s not removed: %v", p, err)
		}
	}
	if err := Reattach(h); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Reattach after Stop = %v, want ErrNotRunning", err)
	}
}

func TestStopDrainsAndFlushes(t *testing.T) {
	dir := t.TempDir()
	h := launch(t, Config{LogDir: dir, Task: "web"})
	// Written and stopped at once: the bytes are in the FIFO or the
	// rotator's buffer, and Stop must get them to disk.
	want := strings.Repeat("line of output\n", 1000)
	writeFifo(t, h.StdoutFifo, want)
	if err := h.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := readLogs(t, dir, "web", "stdout"); got != want {
		t.Fatalf("stdout holds %d bytes, want %d", len(got), len(want))
	}
}

func TestLogmonOutlivesWritersAndAgent(t *testing.T) {
	dir := t.TempDir()
	h := launch(t, Config{LogDir: dir, Task: "web", MaxFiles: 3, MaxFileSizeMB: 1})

	// The task restarts: its writer closes and a new one opens.
	writeFifo(t, h.StdoutFifo, "first run\n")
	writeFifo(t, h.StdoutFifo, "second run\n")

	// The agent dies: only the persisted handle remains.
	saved, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	writeFifo(t, h.StdoutFifo, "while the agent is down\n")
	var restored Handle
	if err := json.Unmarshal(saved, &restored); err != nil {
		t.Fatal(err)
	}
	if err := Reattach(&restored); err != nil {
		t.Fatal(err)
	}
	writeFifo(t, restored.StdoutFifo, "after reattach\n")
	if err := restored.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := "first run\nsecond run\nwhile the agent is down\nafter reattach\n"
	if got := readLogs(t, dir, "web", "stdout"); got != want {
		t.Fatalf("stdout = %q, want %q", got, want)
	}
}

func TestLogmonSurvivesAgentKill(t *testing.T) {
	dir := t.TempDir()
	agent := exec.Command(testBinary(t), dir)
	agent.Env = append(os.Environ(), agentEnv+"=1")
	agent.Stderr = os.Stderr
	out, err := agent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		agent.Process.Kill()
		agent.Wait()
	})
	var h Handle
	if err := json.NewDecoder(out).Decode(&h); err != nil {
		t.Fatalf("read the agent's handle: %v", err)
	}
	t.Cleanup(func() {
		h.Stop(time.Second)
		reap(h.PID)
	})

	if err := agent.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	agent.Wait()

	writeFifo(t, h.StdoutFifo, "after the agent died\n")
	if err := Reattach(&h); err != nil {
		t.Fatal(err)
	}
	if err := h.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := readLogs(t, dir, "web", "stdout"), "after the agent died\n"; got != want {
		t.Fatalf("stdout = %q, want %q", got, want)
	}
}

func TestLogmonRotates(t *testing.T) {
	dir := t.TempDir()
	h := launch(t, Config{LogDir: dir, Task: "web", MaxFiles: 2, MaxFileSizeMB: 1})
	chunk := strings.Repeat("x", 1<<20)
	writeFifo(t, h.StdoutFifo, chunk+chunk+"tail")
	if err := h.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Three files were written (0, 1, 2); only the newest two remain.
	if _, err := os.Stat(filepath.Join(dir, "web.stdout.0")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("web.stdout.0 not pruned: %v", err)
	}
	for name, size := range map[string]int64{"web.stdout.1": 1 << 20, "web.stdout.2": 4} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != size {
			t.Errorf("%s is %d bytes, want %d", name, fi.Size(), size)
		}
	}
}

func TestLaunchReplacesPlantedFile(t *testing.T) {
	dir := t.TempDir()
	// A task could create anything in the shared log dir.
	if err := os.WriteFile(filepath.Join(dir, ".web.stdout.fifo"), []byte("planted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, ".web.stderr.fifo")); err != nil {
		t.Fatal(err)
	}
	h := launch(t, Config{LogDir: dir, Task: "web"})
	for _, p := range []string{h.StdoutFifo, h.StderrFifo} {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("%s is not a FIFO: %v %v", p, fi, err)
		}
	}
}

func TestReattachRefusesStaleHandles(t *testing.T) {
	dir := t.TempDir()
	h := launch(t, Config{LogDir: dir, Task: "web"})

	other := *h
	other.StartTime++ // the PID was reused by a newer process
	if err := Reattach(&other); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "belongs to a process started") {
		t.Errorf("Reattach with another start time = %v", err)
	}
	other = *h
	other.Config.Task = "db" // alive, but not this task's logmon
	if err := Reattach(&other); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "not this task's logmon") {
		t.Errorf("Reattach for another task = %v", err)
	}
	// Stop with a mismatched handle leaves the process alone.
	if err := other.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if !alive(h.PID) {
		t.Fatal("Stop of a mismatched handle killed the process")
	}

	self, err := procStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	me := &Handle{PID: os.Getpid(), StartTime: self, Config: Config{LogDir: dir, Task: "web"}}
	if err := Reattach(me); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Reattach to a non-logmon process = %v", err)
	}
	if err := Reattach(&Handle{}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Reattach of an empty handle = %v", err)
	}

	if err := h.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := Reattach(h); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Reattach of a dead logmon = %v", err)
	}
	// Stopping twice is fine.
	if err := h.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestLaunchReportsAChildThatDies(t *testing.T) {
	dir := t.TempDir()
	// Run refuses a negative max files, after Launch's own check passed:
	// bypass it with a binary that fails like a broken logmon.
	script := filepath.Join(t.TempDir(), "broken")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'logmon: boom' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Launch(script, Config{LogDir: dir, Task: "web"}, nil)
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "logmon: boom") {
		t.Fatalf("Launch = %v, want the exit and the log tail", err)
	}
	if _, err := Launch(filepath.Join(dir, "missing"), Config{LogDir: dir, Task: "web"}, nil); err == nil {
		t.Fatal("Launch of a missing binary succeeded")
	}
}

func TestLaunchValidatesConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Task: "web"},
		{LogDir: t.TempDir(), Task: ""},
		{LogDir: t.TempDir(), Task: "../web"},
		{LogDir: t.TempDir(), Task: "web", MaxFiles: -1},
	} {
		if _, err := Launch(testBinary(t), cfg, nil); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Launch(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}
