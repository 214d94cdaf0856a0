package wasm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// bound is the longest a test waits for anything; reaching it fails the
// test rather than hanging it. No test asserts on how fast things are.
const bound = 20 * time.Second

func testCtx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return c
}

// newDriver returns a driver with its compile cache in cacheDir, destroying
// its tasks when the test ends.
func newDriver(t testing.TB, cacheDir string) *Driver {
	t.Helper()
	d := New(Config{})
	if err := d.SetConfig(testCtx(t), pluginConfigJSON(cacheDir)); err != nil {
		t.Fatalf("SetConfig: %v", err)
	}
	t.Cleanup(func() {
		for _, tk := range d.tasks.All() {
			_ = d.DestroyTask(context.Background(), tk.cfg.ID, true)
		}
	})
	return d
}

// newTaskConfig prepares a task config with a fresh task dir and log paths.
func newTaskConfig(t testing.TB, name string) *plugin.TaskConfig {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"local", "secrets", "tmp", "alloc", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &plugin.TaskConfig{
		ID:        fmt.Sprintf("%s/%s", t.Name(), name),
		Name:      name,
		AllocID:   "alloc-" + name,
		Env:       map[string]string{"NOMAD_TASK_NAME": name},
		Resources: plugin.Resources{CPUMHz: 100, MemoryMB: 64},
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

// runToExit starts the task, waits for it and returns its exit and stdout.
func runToExit(t *testing.T, d *Driver, cfg *plugin.TaskConfig) (*plugin.ExitResult, string) {
	t.Helper()
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatalf("StartTask: %v", err)
	}
	r, err := d.WaitTask(testCtx(t), cfg.ID)
	if err != nil {
		t.Fatalf("WaitTask: %v", err)
	}
	return r, readFile(t, cfg.StdoutPath)
}

func readFile(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExitCodes(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	for _, code := range []int{0, 1, 3, 42, 255} {
		cfg := newTaskConfig(t, fmt.Sprint("exit", code))
		taskmod(t, cfg, nil, "exit", fmt.Sprint(code))
		r, _ := runToExit(t, d, cfg)
		if r.ExitCode != code || r.Signal != 0 || r.OOMKilled || r.Err != "" {
			t.Errorf("exit %d: result %+v", code, r)
		}
	}
}

func TestArgsAndEnv(t *testing.T) {
	d := newDriver(t, sharedCacheDir)

	cfg := newTaskConfig(t, "args")
	taskmod(t, cfg, nil, "args", "two words", "--flag=x")
	r, out := runToExit(t, d, cfg)
	if !r.Successful() {
		t.Fatalf("args: exit %+v", r)
	}
	if want := "taskmod.wasm\nargs\ntwo words\n--flag=x\n"; out != want {
		t.Errorf("argv = %q, want %q (argv[0] is the module's name)", out, want)
	}

	cfg = newTaskConfig(t, "env")
	cfg.Env["FROM_TASK"] = "task-value"
	cfg.Env["BOTH"] = "task-loses"
	taskmod(t, cfg, map[string]any{"env": map[string]string{"FROM_CONFIG": "config-value", "BOTH": "config-wins"}},
		"printenv", "FROM_TASK", "FROM_CONFIG", "BOTH", "NOMAD_TASK_NAME", "PATH")
	r, out = runToExit(t, d, cfg)
	if !r.Successful() {
		t.Fatalf("env: exit %+v", r)
	}
	if want := "task-value\nconfig-value\nconfig-wins\nenv\n\n"; out != want {
		t.Errorf("env = %q, want %q (config env over task env, nothing of the plugin's own)", out, want)
	}
}

// TestFileVisibility: the module sees /local, /alloc, /secrets and its
// config mounts, and nothing else of the host, not even through symlinks.
func TestFileVisibility(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	cfg := newTaskConfig(t, "files")
	dir := cfg.TaskDir.Dir
	writeFile(t, filepath.Join(dir, "local", "in.txt"), "local input")
	writeFile(t, filepath.Join(dir, "alloc", "shared.txt"), "alloc input")
	writeFile(t, filepath.Join(dir, "secrets", "token"), "s3cret")
	writeFile(t, filepath.Join(dir, "local", "data", "f.txt"), "mounted")
	writeFile(t, filepath.Join(dir, "local", "rw", "keep.txt"), "rw")
	writeFile(t, filepath.Join(dir, "tmp", "hidden.txt"), "not mounted")
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "host.txt"), "host file")
	// A symlink in local/ that climbs out of the task directory, and one
	// with an absolute target, both planted on the host.
	rel, err := filepath.Rel(filepath.Join(dir, "local"), outside)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, filepath.Join(dir, "local", "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "local", "abs")); err != nil {
		t.Fatal(err)
	}
	// A symlink that stays inside is followed.
	if err := os.Symlink("data/f.txt", filepath.Join(dir, "local", "inside")); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		probe string
		ok    bool
	}{
		{"read:/local/in.txt", true},
		{"write:/local/out.txt", true},
		{"read:/alloc/shared.txt", true},
		{"write:/alloc/from-module.txt", true},
		{"read:/secrets/token", true},
		{"read:/data/f.txt", true},
		{"write:/data/new.txt", false}, // read-only by default
		{"write:/rw/new.txt", true},    // readonly = false
		{"read:/local/inside", true},
		{"list:/local", true},
		{"read:/etc/passwd", false},
		{"list:/", false},
		{"read:/tmp/hidden.txt", false},
		{"read:/local/../tmp/hidden.txt", false},
		{"read:/local/../../../../../../etc/passwd", false},
		{"read:/local/up/host.txt", false},
		{"read:/local/abs/host.txt", false},
		{"write:/local/up/planted.txt", false},
		{"symlink=../..:/local/escape", false},
		{"symlink=/etc:/local/escape2", false},
		{"symlink=in.txt:/local/ok-link", true},
	}
	var args []string
	for _, c := range cases {
		args = append(args, c.probe)
	}
	taskmod(t, cfg, map[string]any{"mounts": []map[string]any{
		{"source": "local/data", "target": "/data"},
		{"source": "local/rw", "target": "/rw", "readonly": false},
	}}, append([]string{"probe"}, args...)...)
	r, out := runToExit(t, d, cfg)
	if !r.Successful() {
		t.Fatalf("exit %+v, stdout %q, stderr %q", r, out, readFile(t, cfg.StderrPath))
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(cases), out)
	}
	for i, c := range cases {
		if got := strings.HasSuffix(lines[i], " ok"); got != c.ok {
			t.Errorf("%s: %s (want ok=%v)", c.probe, lines[i], c.ok)
		}
	}
	if got := readFile(t, filepath.Join(dir, "local", "out.txt")); got != "written by the module\n" {
		t.Errorf("local/out.txt = %q", got)
	}
	for _, p := range []string{filepath.Join(outside, "planted.txt"), filepath.Join(dir, "local", "data", "new.txt")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists: the module wrote where it must not", p)
		}
	}
}

func TestSecretsReadOnly(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	cfg := newTaskConfig(t, "secrets")
	writeFile(t, filepath.Join(cfg.TaskDir.SecretsDir, "token"), "s3cret")
	taskmod(t, cfg, nil, "probe", "read:/secrets/token", "write:/secrets/token", "write:/secrets/new")
	r, out := runToExit(t, d, cfg)
	if !r.Successful() {
		t.Fatalf("exit %+v", r)
	}
	want := []string{"read:/secrets/token ok", "write:/secrets/token error", "write:/secrets/new error"}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, want[i]) {
			t.Errorf("line %d = %q, want it to start %q", i, line, want[i])
		}
	}
	if got := readFile(t, filepath.Join(cfg.TaskDir.SecretsDir, "token")); got != "s3cret" {
		t.Errorf("secrets/token = %q after the module tried to write it", got)
	}
	if _, err := os.Stat(filepath.Join(cfg.TaskDir.SecretsDir, "new")); err == nil {
		t.Error("secrets/new exists: the module created a file in the read-only secrets dir")
	}
}

func TestMemoryCeiling(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	events, err := d.TaskEvents(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}

	// Within the limit the module runs to completion.
	cfg := newTaskConfig(t, "fits")
	taskmod(t, cfg, map[string]any{"memory_limit": 64}, "grow", "8")
	if r, out := runToExit(t, d, cfg); !r.Successful() || !strings.Contains(out, "grew 8") {
		t.Fatalf("grow 8 MiB under 64 MiB: exit %+v, stdout %q", r, out)
	}

	// Past it, memory.grow fails, the module dies, and the exit says OOM.
	cfg = newTaskConfig(t, "oom")
	taskmod(t, cfg, map[string]any{"memory_limit": 32}, "grow", "64")
	r, out := runToExit(t, d, cfg)
	if !r.OOMKilled || r.Successful() {
		t.Fatalf("grow 64 MiB under 32 MiB: exit %+v, stdout %q; want OOM killed", r, out)
	}
	if stderr := readFile(t, cfg.StderrPath); !strings.Contains(stderr, "OOM killed") || !strings.Contains(stderr, "limit of 32 MiB") {
		t.Errorf("stderr = %q, want the driver's OOM message", stderr)
	}
	waitEvent(t, events, cfg.ID, "OOM killed")

	// The limit defaults from resources.memory.
	cfg = newTaskConfig(t, "oom-resources")
	cfg.Resources.MemoryMB = 32
	taskmod(t, cfg, nil, "grow", "64")
	if r, _ := runToExit(t, d, cfg); !r.OOMKilled {
		t.Fatalf("grow 64 MiB with resources.memory 32: exit %+v; want OOM killed", r)
	}
}

func waitEvent(t *testing.T, events <-chan *plugin.TaskEvent, taskID, substr string) {
	t.Helper()
	timeout := time.After(bound)
	for {
		select {
		case e := <-events:
			if e.TaskID == taskID && strings.Contains(e.Message, substr) {
				return
			}
		case <-timeout:
			t.Fatalf("no event %q for task %s", substr, taskID)
		}
	}
}

// TestStopInfiniteLoop: a module spinning without a single call, and one
// asleep, are both killed once kill_timeout passes, and the plugin goes on
// serving.
func TestStopInfiniteLoop(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	for _, mode := range []string{"spin", "ignore"} {
		cfg := newTaskConfig(t, mode)
		taskmod(t, cfg, nil, mode)
		if _, err := d.StartTask(testCtx(t), cfg); err != nil {
			t.Fatal(err)
		}
		if err := d.StopTask(testCtx(t), cfg.ID, 100*time.Millisecond, "SIGINT"); err != nil {
			t.Fatalf("%s: StopTask: %v", mode, err)
		}
		st, err := d.InspectTask(testCtx(t), cfg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.State != plugin.TaskStateExited || st.ExitResult.Signal != int(syscall.SIGKILL) {
			t.Fatalf("%s: after StopTask: %+v, want exited by SIGKILL", mode, st)
		}
	}
	cfg := newTaskConfig(t, "after")
	taskmod(t, cfg, nil, "exit", "0")
	if r, _ := runToExit(t, d, cfg); !r.Successful() {
		t.Fatalf("a task after the kills: %+v", r)
	}
}

// TestGracefulStop: a module reading stdin sees EOF on stop and exits by
// itself, with no kill.
func TestGracefulStop(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	cfg := newTaskConfig(t, "graceful")
	taskmod(t, cfg, nil, "wait")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}
	if err := d.StopTask(testCtx(t), cfg.ID, bound, "SIGTERM"); err != nil {
		t.Fatal(err)
	}
	if r, _ := d.WaitTask(testCtx(t), cfg.ID); !r.Successful() {
		t.Fatalf("exit %+v, want success without a kill", r)
	}
	if err := d.SignalTask(testCtx(t), cfg.ID, "SIGUSR1"); err == nil {
		t.Fatal("SignalTask of an exited task succeeded")
	}
	cfg = newTaskConfig(t, "usr1")
	taskmod(t, cfg, nil, "wait")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}
	if err := d.SignalTask(testCtx(t), cfg.ID, "SIGUSR1"); !errors.Is(err, plugin.ErrNotSupported) {
		t.Fatalf("SignalTask SIGUSR1 = %v, want ErrNotSupported", err)
	}
	if err := d.SignalTask(testCtx(t), cfg.ID, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if r, _ := d.WaitTask(testCtx(t), cfg.ID); r.Signal != int(syscall.SIGKILL) {
		t.Fatalf("exit after SIGKILL %+v", r)
	}
}

// cacheFiles lists the files under dir with their modification times.
func cacheFiles(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			out[p] = fi.ModTime()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompileCache: the second task of a module does not compile it again,
// and a new plugin process (a new Driver on the same cache dir) loads it
// from disk instead of compiling and writing it again.
func TestCompileCache(t *testing.T) {
	cacheDir := t.TempDir()
	d := newDriver(t, cacheDir)
	var ids []string
	for i := 0; i < 3; i++ {
		cfg := newTaskConfig(t, fmt.Sprint("cached", i))
		taskmod(t, cfg, nil, "exit", "0")
		if r, _ := runToExit(t, d, cfg); !r.Successful() {
			t.Fatalf("task %d: %+v", i, r)
		}
		ids = append(ids, cfg.ID)
	}
	if n := d.Compiles(); n != 1 {
		t.Fatalf("three tasks of one module compiled it %d times, want 1", n)
	}
	for i, id := range ids {
		st, err := d.InspectTask(testCtx(t), id)
		if err != nil {
			t.Fatal(err)
		}
		want := "memory-cache"
		if i == 0 {
			want = "compiled"
		}
		if got := st.DriverAttributes["compile"]; got != want {
			t.Errorf("task %d: compile = %q, want %q", i, got, want)
		}
	}
	before := cacheFiles(t, cacheDir)
	if len(before) == 0 {
		t.Fatalf("no files in the compile cache %s", cacheDir)
	}

	d2 := newDriver(t, cacheDir)
	cfg := newTaskConfig(t, "after-restart")
	taskmod(t, cfg, nil, "exit", "0")
	if r, _ := runToExit(t, d2, cfg); !r.Successful() {
		t.Fatalf("after restart: %+v", r)
	}
	if st, err := d2.InspectTask(testCtx(t), cfg.ID); err == nil {
		first, _ := d.InspectTask(testCtx(t), ids[0])
		t.Logf("compile: %s ms from scratch, %s ms from the disk cache", first.DriverAttributes["compile_ms"], st.DriverAttributes["compile_ms"])
	}
	after := cacheFiles(t, cacheDir)
	if len(after) != len(before) {
		t.Fatalf("cache files %d before the restart, %d after: the module was compiled again", len(before), len(after))
	}
	for p, mt := range before {
		if !after[p].Equal(mt) {
			t.Errorf("%s rewritten after the restart: the module was compiled again", p)
		}
	}
}

// TestIdleModulesClosed: a compiled module no task uses is closed once
// more than maxIdle are idle, and the next task of it compiles again (from
// the disk cache).
func TestIdleModulesClosed(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	d.maxIdle = 0
	for i := 0; i < 2; i++ {
		cfg := newTaskConfig(t, fmt.Sprint("idle", i))
		taskmod(t, cfg, nil, "exit", "0")
		if r, _ := runToExit(t, d, cfg); !r.Successful() {
			t.Fatalf("task %d: %+v", i, r)
		}
		// The task's goroutine releases the module after it exited.
		deadline := time.Now().Add(bound)
		for {
			d.mu.Lock()
			n := len(d.modules)
			d.mu.Unlock()
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("task %d: %d modules still held with none running", i, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if n := d.Compiles(); n != 2 {
		t.Fatalf("compiles = %d, want 2 (the module was closed in between)", n)
	}
}

// TestRecover: RecoverTask re-attaches to a task this driver holds; a new
// driver (a restarted plugin) reports the task not found, so the client
// treats it as lost.
func TestRecover(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	cfg := newTaskConfig(t, "recover")
	taskmod(t, cfg, nil, "wait")
	h, err := d.StartTask(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RecoverTask(testCtx(t), h); err != nil {
		t.Fatalf("RecoverTask in the same plugin: %v", err)
	}
	if st, _ := d.InspectTask(testCtx(t), cfg.ID); st.State != plugin.TaskStateRunning {
		t.Fatalf("after recovery: %+v", st)
	}
	d2 := newDriver(t, sharedCacheDir)
	if err := d2.RecoverTask(testCtx(t), h); !errors.Is(err, plugin.ErrTaskNotFound) {
		t.Fatalf("RecoverTask in a new plugin = %v, want ErrTaskNotFound", err)
	}
}

func TestModulePath(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "x.wasm"), "\x00asm")
	cases := []struct{ module, want string }{
		{"/etc/passwd", "inside the task directory"},
		{"../x.wasm", "inside the task directory"},
		{"local/../../x.wasm", "inside the task directory"},
		{"local/link.wasm", "inside the task directory"},
		{"local/missing.wasm", "artifact block"},
		{"local", "not a regular file"},
		{"http://example.com/x.wasm", "only https://"},
		{"local/taskmod.wasm", "exports no function \"nope\""},
	}
	for _, c := range cases {
		cfg := newTaskConfig(t, "path")
		installModule(t, cfg)
		rel, _ := filepath.Rel(cfg.TaskDir.LocalDir, filepath.Join(outside, "x.wasm"))
		if err := os.Symlink(rel, filepath.Join(cfg.TaskDir.LocalDir, "link.wasm")); err != nil {
			t.Fatal(err)
		}
		conf := fmt.Sprintf(`{"module": %q}`, c.module)
		if c.module == "local/taskmod.wasm" {
			conf = `{"module": "local/taskmod.wasm", "entrypoint": "nope"}`
		}
		cfg.DriverConfig = []byte(conf)
		_, err := d.StartTask(testCtx(t), cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("module %q: err = %v, want one saying %q", c.module, err, c.want)
		}
	}
	cfg := newTaskConfig(t, "mount")
	taskmod(t, cfg, map[string]any{"mounts": []map[string]any{{"source": "/etc", "target": "/etc"}}}, "exit", "0")
	if _, err := d.StartTask(testCtx(t), cfg); err == nil || !strings.Contains(err.Error(), "inside the task directory") {
		t.Errorf("mount of /etc: err = %v", err)
	}
	cfg = newTaskConfig(t, "mount2")
	taskmod(t, cfg, map[string]any{"mounts": []map[string]any{{"source": "local", "target": "/secrets"}}}, "exit", "0")
	if _, err := d.StartTask(testCtx(t), cfg); err == nil || !strings.Contains(err.Error(), "already mounted") {
		t.Errorf("mount over /secrets: err = %v", err)
	}
}

// TestHTTPSModule: an https:// module is downloaded into local/ and run.
func TestHTTPSModule(t *testing.T) {
	bin, err := os.ReadFile(taskmodWasm)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mods/taskmod.wasm" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(bin)
	}))
	defer srv.Close()
	d := New(Config{HTTPClient: srv.Client()})
	if err := d.SetConfig(testCtx(t), pluginConfigJSON(sharedCacheDir)); err != nil {
		t.Fatal(err)
	}
	cfg := newTaskConfig(t, "https")
	cfg.DriverConfig = []byte(fmt.Sprintf(`{"module": %q, "args": ["stdout", "fetched"]}`, srv.URL+"/mods/taskmod.wasm"))
	r, out := runToExit(t, d, cfg)
	if !r.Successful() || out != "fetched" {
		t.Fatalf("exit %+v, stdout %q", r, out)
	}
	if _, err := os.Stat(filepath.Join(cfg.TaskDir.LocalDir, "taskmod.wasm")); err != nil {
		t.Fatalf("downloaded module not in local/: %v", err)
	}
	cfg = newTaskConfig(t, "https404")
	cfg.DriverConfig = []byte(fmt.Sprintf(`{"module": %q}`, srv.URL+"/missing.wasm"))
	if _, err := d.StartTask(testCtx(t), cfg); err == nil || !plugin.IsRecoverable(err) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing URL: err = %v, want a recoverable 404", err)
	}
}

func TestStatsMemory(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	cfg := newTaskConfig(t, "stats")
	taskmod(t, cfg, nil, "ready")
	if _, err := d.StartTask(testCtx(t), cfg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(bound)
	for !strings.Contains(readFile(t, cfg.StdoutPath), "ready") {
		if time.Now().After(deadline) {
			t.Fatal("module never printed ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	ch, err := d.TaskStats(c, cfg.ID, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	u := <-ch
	if u.MemoryUsageBytes == 0 || u.MemoryUsageBytes%wasmPage != 0 || u.MemoryMaxUsageBytes < u.MemoryUsageBytes {
		t.Fatalf("usage %+v, want the module's linear memory in whole pages", u)
	}
	if u.CPUPercent != 0 {
		t.Fatalf("CPU %v reported; the driver does not measure it", u.CPUPercent)
	}
	st, _ := d.InspectTask(testCtx(t), cfg.ID)
	if !strings.HasPrefix(st.DriverAttributes["cpu_stats"], "not measured") {
		t.Fatalf("cpu_stats = %q", st.DriverAttributes["cpu_stats"])
	}
}

func TestFingerprintAndSchema(t *testing.T) {
	d := newDriver(t, sharedCacheDir)
	ch, err := d.Fingerprint(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	fp := <-ch
	if fp.Health != plugin.HealthHealthy || fp.Attributes["driver.wasm.runtime"] != "wazero" || fp.Attributes["driver.wasm.version"] != Version {
		t.Fatalf("fingerprint %+v", fp)
	}
	cs, err := d.ConfigSchema(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range cs.Task.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "args,entrypoint,env,memory_limit,module,mounts" {
		t.Errorf("task schema attrs = %s", got)
	}
	if _, ok := cs.Plugin.Attrs["cache_dir"]; !ok {
		t.Errorf("plugin schema has no cache_dir")
	}
	if err := New(Config{}).SetConfig(testCtx(t), []byte(`{"cache_dri": "/x"}`)); err == nil {
		t.Error("SetConfig accepted a misspelt option")
	}
}
