package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func eachRuntime(t *testing.T, f func(t *testing.T, rt *Runtime)) {
	for _, name := range runtimes {
		t.Run(name, func(t *testing.T) { f(t, needRuntime(t, name)) })
	}
}

// run starts a container of ctr with args, tracked for cleanup.
func run(t *testing.T, rt *Runtime, id string, o bundleOpts) (*Container, string) {
	t.Helper()
	out := logFile(t, "stdout")
	c, err := rt.Start(context.Background(), makeBundle(t, id, o), id, out, out)
	if err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	track(t, rt, c)
	return c, out
}

func wait(t *testing.T, c *Container) *Exit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := c.Wait(ctx)
	if err != nil {
		t.Fatalf("wait %s: %v", c.ID(), err)
	}
	return e
}

func deleteContainer(t *testing.T, c *Container) {
	t.Helper()
	if err := c.Delete(context.Background(), true); err != nil {
		t.Fatalf("delete %s: %v", c.ID(), err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state dir %s left after delete: %v", c.dir, err)
	}
}

func TestRunExitCodes(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		for _, code := range []int{0, 3} {
			id := fmt.Sprintf("exit-%s-%d", rt.Name(), code)
			c, out := run(t, rt, id, bundleOpts{args: []string{"exit", fmt.Sprint(code)}})
			e := wait(t, c)
			if e.Code != code || e.Signal != 0 || e.OOMKilled || e.Err != "" {
				t.Fatalf("exit = %+v, want code %d", e, code)
			}
			if got := readFile(t, out); got != "hello from ctr\n" {
				t.Fatalf("stdout = %q, want %q", got, "hello from ctr\n")
			}
			st, err := c.State(context.Background())
			if err != nil || st.Status != "stopped" || st.Exit == nil || st.MonitorRunning {
				t.Fatalf("state = %+v, %v; want stopped with exit and no monitor", st, err)
			}
			deleteContainer(t, c)
		}
	})
}

func TestStopSignalThenKill(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		ctx := context.Background()
		c, out := run(t, rt, "stop-ignore-"+rt.Name(), bundleOpts{args: []string{"ignore-term"}})
		waitOutput(t, out, "ready")
		e, err := c.Stop(ctx, syscall.SIGTERM, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if e.Signal != int(syscall.SIGKILL) || e.Code != 128+9 {
			t.Fatalf("exit = %+v, want killed by SIGKILL after the timeout", e)
		}
		deleteContainer(t, c)

		c, out = run(t, rt, "stop-graceful-"+rt.Name(), bundleOpts{args: []string{"graceful"}})
		waitOutput(t, out, "ready")
		e, err = c.Stop(ctx, syscall.SIGTERM, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if e.Code != 0 || e.Signal != 0 {
			t.Fatalf("exit = %+v, want code 0 from the SIGTERM handler", e)
		}
		waitOutput(t, out, "bye")
		if err := c.Kill(ctx, syscall.SIGTERM); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("kill after exit: %v, want ErrNotRunning", err)
		}
		deleteContainer(t, c)
	})
}

func TestExec(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		ctx := context.Background()
		c, out := run(t, rt, "exec-"+rt.Name(), bundleOpts{args: []string{"ready"}})
		waitOutput(t, out, "ready")
		var stdout, stderr bytes.Buffer
		code, err := c.Exec(ctx, []string{"/bin/ctr", "exit", "7"}, ExecIO{Stdout: &stdout, Stderr: &stderr}, false)
		if err != nil || code != 7 {
			t.Fatalf("exec exit 7 = %d, %v; want 7", code, err)
		}
		if stdout.String() != "hello from ctr\n" {
			t.Fatalf("exec stdout = %q", stdout.String())
		}
		stdout.Reset()
		code, err = c.Exec(ctx, []string{"/bin/ctr", "echo", "inside"}, ExecIO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}, false)
		if err != nil || code != 0 || stdout.String() != "inside\n" {
			t.Fatalf("exec echo = %d, %v, %q", code, err, stdout.String())
		}
		stdout.Reset()
		code, err = c.Exec(ctx, []string{"/bin/ctr", "echo", "with", "tty"}, ExecIO{Stdout: &stdout}, true)
		if err != nil || code != 0 || !strings.Contains(stdout.String(), "with tty") {
			t.Fatalf("exec with tty = %d, %v, %q", code, err, stdout.String())
		}
		if _, err := c.Stop(ctx, syscall.SIGKILL, time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, []string{"/bin/ctr", "exit", "0"}, ExecIO{Stdout: &stdout, Stderr: &stderr}, false); !errors.Is(err, ErrNotRunning) {
			t.Fatalf("exec after exit: %v, want ErrNotRunning", err)
		}
		deleteContainer(t, c)
	})
}

func TestStats(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		c, out := run(t, rt, "stats-"+rt.Name(), bundleOpts{args: []string{"ready"}})
		waitOutput(t, out, "ready")
		s, err := c.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if s.MemoryUsage == 0 || s.Pids == 0 || s.CPUTotalNanos == 0 {
			t.Fatalf("stats = %+v, want nonzero memory, pids and cpu", s)
		}
		t.Logf("cgroup v%d: memory %d bytes, rss %d, pids %d, cpu %dns", s.CgroupVersion, s.MemoryUsage, s.MemoryRSS, s.Pids, s.CPUTotalNanos)
		deleteContainer(t, c)
	})
}

func TestOOMKilled(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		c, out := run(t, rt, "oom-"+rt.Name(), bundleOpts{args: []string{"alloc", "256"}, memoryLimit: 16 << 20})
		e := wait(t, c)
		if !e.OOMKilled || e.Signal != int(syscall.SIGKILL) {
			t.Fatalf("exit = %+v (stdout %q), want OOM killed", e, readFile(t, out))
		}
		if !strings.Contains(e.String(), "OOM") {
			t.Fatalf("exit description %q does not say OOM", e.String())
		}
		deleteContainer(t, c)

		// The same program under a limit it fits in is not.
		c, out = run(t, rt, "no-oom-"+rt.Name(), bundleOpts{args: []string{"alloc", "4"}, memoryLimit: 64 << 20})
		if e := wait(t, c); e.OOMKilled || e.Code != 0 {
			t.Fatalf("exit = %+v (stdout %q), want code 0 without OOM", e, readFile(t, out))
		}
		deleteContainer(t, c)
	})
}

func TestStartFailureSaysWhy(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		id := "bad-" + rt.Name()
		bundle := makeBundle(t, id, bundleOpts{})
		// Point the process at a program the rootfs lacks.
		var spec map[string]any
		data, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
		json.Unmarshal(data, &spec)
		spec["process"].(map[string]any)["args"] = []string{"/bin/missing"}
		data, _ = json.Marshal(spec)
		os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644)

		cleanupContainer(t, rt, id)
		_, err := rt.Start(context.Background(), bundle, id, logFile(t, "out"), logFile(t, "err"))
		if err == nil || !strings.Contains(err.Error(), "/bin/missing") {
			t.Fatalf("start = %v, want an error naming /bin/missing", err)
		}
		if _, err := os.Stat(rt.dir(id)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("state dir left after a failed start: %v", err)
		}
	})
}

func TestStartRefusesBadInput(t *testing.T) {
	rt, err := New(Config{StateDir: t.TempDir(), MonitorPath: "/bin/false", Runtime: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ bundle, id, want string }{
		{"/tmp", "../escape", "container id"},
		{"/tmp", "", "container id"},
		{"relative", "ok", "relative"},
		{t.TempDir(), "ok", "no config.json"},
	} {
		if _, err := rt.Start(ctx, tc.bundle, tc.id, "", ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%q, %q) = %v, want error containing %q", tc.bundle, tc.id, err, tc.want)
		}
	}
	if _, err := rt.Recover("nothere"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Recover of an unknown id = %v, want ErrNotFound", err)
	}
}

// TestRecoverAfterPluginKill starts a container from a separate process,
// kills that process with SIGKILL, and re-attaches from a fresh Runtime.
func TestRecoverAfterPluginKill(t *testing.T) {
	eachRuntime(t, func(t *testing.T, rt *Runtime) {
		ctx := context.Background()
		id := "recover-" + rt.Name()
		out := logFile(t, "stdout")
		spec, _ := json.Marshal(fakePlugin{
			Runtime: rt.Name(), StateDir: rt.cfg.StateDir, Root: rt.cfg.Root,
			Bundle: makeBundle(t, id, bundleOpts{args: []string{"graceful"}}), ID: id, Stdout: out,
		})
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), envFakePlugin+"="+string(spec))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		plugin := cmd.Process.Pid
		t.Cleanup(func() { syscall.Kill(plugin, syscall.SIGKILL); cmd.Wait() })
		var line string
		buf := make([]byte, 256)
		for !strings.Contains(line, "\n") {
			n, err := stdout.Read(buf)
			line += string(buf[:n])
			if err != nil {
				break
			}
		}
		var initPid, monPid int
		if _, err := fmt.Sscanf(line, "started %d %d", &initPid, &monPid); err != nil {
			t.Fatalf("fake plugin said %q: %v", line, err)
		}
		initID, _ := identify(initPid)
		monID, _ := identify(monPid)
		cleanupContainer(t, rt, id, initID, monID)
		waitOutput(t, out, "ready")

		// kill -9 the plugin: the monitor and the container live on.
		if err := syscall.Kill(plugin, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if !initID.alive() || !monID.alive() {
			t.Fatalf("container (alive %v) or monitor (alive %v) died with the plugin", initID.alive(), monID.alive())
		}

		fresh, err := New(rt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		c, err := fresh.Recover(id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pid() != initPid {
			t.Fatalf("recovered pid %d, want %d", c.Pid(), initPid)
		}
		st, err := c.State(ctx)
		if err != nil || st.Status != "running" || !st.MonitorRunning {
			t.Fatalf("recovered state = %+v, %v; want running with its monitor", st, err)
		}
		var echo bytes.Buffer
		if code, err := c.Exec(ctx, []string{"/bin/ctr", "echo", "still here"}, ExecIO{Stdout: &echo, Stderr: &echo}, false); err != nil || code != 0 || echo.String() != "still here\n" {
			t.Fatalf("exec in recovered container = %d, %v, %q", code, err, echo.String())
		}
		e, err := c.Stop(ctx, syscall.SIGTERM, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if e.Code != 0 || e.Err != "" {
			t.Fatalf("recovered exit = %+v, want code 0 recorded by the monitor", e)
		}
		waitOutput(t, out, "bye")
		deleteContainer(t, c)
	})
}
