package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/client/clienttest"
	"github.com/nomadish/nomadish/drivers/mock"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

const execAllocID = "5e1c0a7e-0000-4000-8000-00000000e8ec"

// execDriver is the mock driver counting the execs that are running, so
// that a test sees an exec end, and recording the terminal sizes its
// execs were given (the mock itself has no terminal).
type execDriver struct {
	plugin.DriverPlugin
	mu        sync.Mutex // guards the fields below
	running   int
	sizes     []plugin.TerminalSize
	withSizes int // execs given a Resize channel
}

func (d *execDriver) ExecTask(ctx context.Context, id string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	d.mu.Lock()
	d.running++
	if stdio.Resize != nil {
		d.withSizes++
	}
	d.mu.Unlock()
	done := make(chan struct{})
	defer func() {
		close(done)
		d.mu.Lock()
		d.running--
		d.mu.Unlock()
	}()
	if stdio.Resize != nil {
		go func() {
			for {
				select {
				case sz, ok := <-stdio.Resize:
					if !ok {
						return
					}
					d.mu.Lock()
					d.sizes = append(d.sizes, sz)
					d.mu.Unlock()
				case <-done:
					return
				}
			}
		}()
	}
	return d.DriverPlugin.ExecTask(ctx, id, cmd, stdio)
}

// resizes returns the sizes recorded so far and how many execs had a
// Resize channel.
func (d *execDriver) resizes() ([]plugin.TerminalSize, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]plugin.TerminalSize(nil), d.sizes...), d.withSizes
}

func (d *execDriver) execs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.running
}

// noExecDriver runs tasks like the mock but, like the wasm driver, has no
// exec.
type noExecDriver struct{ plugin.DriverPlugin }

func (noExecDriver) Capabilities(context.Context) (*plugin.Capabilities, error) {
	return &plugin.Capabilities{SendSignals: true, FSIsolation: "none"}, nil
}

// execClient is a fakeClient holding one allocation run by a real alloc
// runner: exec goes HTTP → runnerAlloc → AllocRunner → TaskRunner →
// driver, as on a real client.
type execClient struct {
	*fakeClient
	ar *allocrunner.AllocRunner
}

func (c *execClient) Alloc(id string) (localAlloc, bool) {
	if id == c.ar.Alloc().ID {
		return &runnerAlloc{ar: c.ar, allocDirFiles: allocDirFiles{d: c.ar.AllocDir()}}, true
	}
	return c.fakeClient.Alloc(id)
}

// newExecTestAPI serves the HTTP API over a client running a batch
// allocation with tasks "web" (mock, running), "side" (a driver without
// exec, running) and "done" (mock, exited).
func newExecTestAPI(t *testing.T) (*testAPI, *execClient, *execDriver) {
	t.Helper()
	api := newTestAPI(t)
	clock := clienttest.NewClock()
	md := mock.New(mock.Config{Clock: clock})
	drv := &execDriver{DriverPlugin: md}
	drivers := clienttest.NewDrivers()
	drivers.Set("mock", drv)
	drivers.Set("noexec", noExecDriver{md})
	task := func(name, driver, runFor string) *structs.Task {
		return &structs.Task{Name: name, Driver: driver, Config: map[string]interface{}{"run_for": runFor}, KillTimeout: time.Second}
	}
	job := &structs.Job{ID: "web", Name: "web", Type: structs.JobTypeBatch, Namespace: "default", Region: "global",
		Datacenters: []string{"dc1"}, TaskGroups: []*structs.TaskGroup{{Name: "g", Count: 1,
			RestartPolicy: &structs.RestartPolicy{Attempts: 0, Interval: time.Minute, Delay: time.Second, Mode: structs.RestartPolicyModeFail},
			Tasks:         []*structs.Task{task("web", "mock", "1h"), task("side", "noexec", "1h"), task("done", "mock", "0s")}}}}
	res := &structs.AllocatedResources{Tasks: map[string]*structs.AllocatedTaskResources{}}
	for _, tk := range job.TaskGroups[0].Tasks {
		res.Tasks[tk.Name] = &structs.AllocatedTaskResources{Cpu: structs.AllocatedCpuResources{CpuShares: 100},
			Memory: structs.AllocatedMemoryResources{MemoryMB: 64}}
	}
	alloc := &structs.Allocation{ID: execAllocID, Name: "web.g[0]", Namespace: "default", NodeID: "node-local-0000",
		JobID: job.ID, Job: job, TaskGroup: "g", AllocatedResources: res,
		DesiredStatus: structs.AllocDesiredStatusRun, ClientStatus: structs.AllocClientStatusPending}
	ar, err := allocrunner.New(&allocrunner.Config{
		Alloc: alloc, Node: &structs.Node{ID: "node-local-0000", Name: "local", Datacenter: "dc1"}, Region: "global",
		AllocRoot: t.TempDir(), Drivers: drivers, Clock: clock, DisableLogmon: true, StatsInterval: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	go ar.Run()
	t.Cleanup(ar.Shutdown)
	waitFor(t, 10*time.Second, "tasks web and side running, done dead", func() bool {
		st := ar.Alloc().TaskStates
		return st["web"] != nil && st["web"].State == structs.TaskStateRunning &&
			st["side"] != nil && st["side"].State == structs.TaskStateRunning &&
			st["done"] != nil && st["done"].State == structs.TaskStateDead
	})
	c := &execClient{fakeClient: newFakeClient(t, api.backend), ar: ar}
	api.http.client = c
	return api, c, drv
}

func execURL(base, alloc, task string, cmd ...string) string {
	js, _ := json.Marshal(cmd)
	q := url.Values{"task": {task}, "command": {string(js)}}
	return "ws" + strings.TrimPrefix(base, "http") + "/v1/client/allocation/" + alloc + "/exec?" + q.Encode()
}

// execOutcome is what a caller saw of one exec session.
type execOutcome struct {
	stdout, stderr string
	exited         bool
	exitCode       int
	errMsg         string
	closeCode      int
}

// readExec reads frames until the connection closes, bounded.
func readExec(t *testing.T, conn *websocket.Conn) execOutcome {
	t.Helper()
	var out execOutcome
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				out.closeCode = ce.Code
			} else if out.closeCode == 0 {
				out.closeCode = -1
			}
			return out
		}
		var f execOutFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			t.Fatalf("frame %q: %v", msg, err)
		}
		if f.Stdout != nil {
			out.stdout += string(f.Stdout.Data)
		}
		if f.Stderr != nil {
			out.stderr += string(f.Stderr.Data)
		}
		if f.Exited {
			if out.exited {
				t.Fatalf("two exit frames")
			}
			out.exited = true
			if f.Result != nil {
				out.exitCode = f.Result.ExitCode
			}
		}
		if f.Error != nil {
			out.errMsg = f.Error.Message
		}
	}
}

func dialExec(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		code := 0
		body := ""
		if resp != nil {
			code = resp.StatusCode
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
		}
		t.Fatalf("dial %s: %v (%d %s)", u, err, code, body)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func sendFrame(t *testing.T, conn *websocket.Conn, f string) {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
		t.Fatal(err)
	}
}

// dialRefused dials and expects a plain HTTP refusal before the upgrade.
func dialRefused(t *testing.T, u string, code int, contains ...string) {
	t.Helper()
	dialRefusedWith(t, u, nil, code, contains...)
}

func dialRefusedWith(t *testing.T, u string, header http.Header, code int, contains ...string) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(u, header)
	if err == nil {
		conn.Close()
		t.Fatalf("dial %s: upgraded, want %d", u, code)
	}
	if resp == nil {
		t.Fatalf("dial %s: %v, no HTTP answer", u, err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("dial %s: %d %s, want %d", u, resp.StatusCode, b, code)
	}
	for _, c := range contains {
		if !strings.Contains(string(b), c) {
			t.Errorf("dial %s: body %q lacks %q", u, b, c)
		}
	}
}

func TestClientAllocExec_Streams(t *testing.T) {
	api, _, drv := newExecTestAPI(t)

	t.Run("stdin echoed", func(t *testing.T) {
		conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
		sendFrame(t, conn, `{"tty_size":{"height":24,"width":80}}`)
		sendFrame(t, conn, `{"stdin":{"data":"aGVsbG8K"}}`) // "hello\n"
		sendFrame(t, conn, `{"stdin":{"data":"d29ybGQK"}}`) // "world\n"
		sendFrame(t, conn, `{"stdin":{"close":true}}`)
		out := readExec(t, conn)
		if out.stdout != "hello\nworld\n" || !out.exited || out.exitCode != 0 || out.closeCode != websocket.CloseNormalClosure {
			t.Fatalf("cat: %+v", out)
		}
	})
	t.Run("exit code", func(t *testing.T) {
		out := readExec(t, dialExec(t, execURL(api.srv.URL, execAllocID, "web", "exit", "3")))
		if !out.exited || out.exitCode != 3 || out.stdout != "" {
			t.Fatalf("exit 3: %+v", out)
		}
	})
	t.Run("stdout and stderr", func(t *testing.T) {
		out := readExec(t, dialExec(t, execURL(api.srv.URL, execAllocID, "web", "echo", "a", "b c")))
		if out.stdout != "a b c\n" || out.exitCode != 0 {
			t.Fatalf("echo: %+v", out)
		}
		out = readExec(t, dialExec(t, execURL(api.srv.URL, execAllocID, "web", "nosuch")))
		if out.stderr != "mock: nosuch: command not found\n" || out.stdout != "" || out.exitCode != 127 {
			t.Fatalf("unknown command: %+v", out)
		}
	})
	t.Run("invalid frame", func(t *testing.T) {
		conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
		sendFrame(t, conn, `{"stdin":`)
		out := readExec(t, conn)
		if out.exited || out.closeCode != websocket.CloseInvalidFramePayloadData || !strings.Contains(out.errMsg, "invalid exec frame") {
			t.Fatalf("invalid frame: %+v", out)
		}
	})
	t.Run("frame too large", func(t *testing.T) {
		conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
		sendFrame(t, conn, `{"stdin":{"data":"`+strings.Repeat("QUFB", execReadLimit/4+1)+`"}}`)
		out := readExec(t, conn)
		if out.exited || out.closeCode != websocket.CloseMessageTooBig {
			t.Fatalf("large frame: %+v", out)
		}
	})
	waitFor(t, 10*time.Second, "every exec to end", func() bool { return drv.execs() == 0 })
}

// TestClientAllocExec_CallerGone: a caller that goes away mid-command
// ends the command; the task keeps running.
func TestClientAllocExec_CallerGone(t *testing.T) {
	api, c, drv := newExecTestAPI(t)
	conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
	sendFrame(t, conn, `{"stdin":{"data":"aGkK"}}`)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, msg, err := conn.ReadMessage(); err != nil || !strings.Contains(string(msg), `"stdout":{"data":"aGkK"}`) {
		t.Fatalf("first output: %s, %v", msg, err)
	}
	if drv.execs() != 1 {
		t.Fatalf("%d execs running, want 1", drv.execs())
	}
	conn.Close() // no close frame: the caller just vanishes
	waitFor(t, 10*time.Second, "the exec to end", func() bool { return drv.execs() == 0 })
	if st := c.ar.Alloc().TaskStates["web"]; st.State != structs.TaskStateRunning {
		t.Fatalf("task after the exec: %s", st.State)
	}
}

func TestClientAllocExec_Refusals(t *testing.T) {
	api, _, _ := newExecTestAPI(t)
	base := api.srv.URL
	dialRefused(t, execURL(base, execAllocID, "nope", "echo"), 400, `task "nope" is not in allocation`, "its tasks: done, side, web")
	dialRefused(t, execURL(base, execAllocID, "", "echo"), 400, "missing task name", "done, side, web")
	dialRefused(t, execURL(base, execAllocID, "side", "echo"), 400, `runs on driver "noexec", which does not support exec`)
	dialRefused(t, execURL(base, execAllocID, "done", "echo"), 400, `task "done" of allocation `+execAllocID+" is not running")
	dialRefused(t, execURL(base, "no-such-alloc", "web", "echo"), 404, `allocation "no-such-alloc" not found`)
	dialRefused(t, execURL(base, execAllocID, "web"), 400, "empty command")
	dialRefused(t, execURL(base, execAllocID, "web", ""), 400, "command[0] is empty")
	dialRefused(t, execURL(base, execAllocID, "web", "echo", "a\x00b"), 400, "command[1] contains a NUL byte")
	long := make([]string, maxExecArgs+1)
	for i := range long {
		long[i] = "x"
	}
	dialRefused(t, execURL(base, execAllocID, "web", long...), 400, "at most 1024 are accepted")
	ws := "ws" + strings.TrimPrefix(base, "http") + "/v1/client/allocation/" + execAllocID + "/exec?task=web"
	dialRefused(t, ws+"&command=echo", 400, "invalid command", "want a JSON array of strings")
	dialRefused(t, ws+`&command={"a":1}`, 400, "invalid command")
	dialRefused(t, ws, 400, "missing command")
	dialRefused(t, ws+`&command=["echo"]&tty=maybe`, 400, `invalid tty "maybe"`)

	// A page on another site may open a WebSocket to the agent: the
	// handshake is a GET, so the origin is checked here too.
	dialRefusedWith(t, execURL(base, execAllocID, "web", "echo"), http.Header{"Origin": {"https://evil.example"}},
		403, `origin "https://evil.example" refused`)

	// Not a WebSocket handshake: the checks pass, the upgrade is refused.
	code, body := get(t, base+"/v1/client/allocation/"+execAllocID+`/exec?task=web&command=["echo"]`)
	if code != 400 || !strings.Contains(body, "exec needs a WebSocket upgrade request") {
		t.Fatalf("plain GET: %d %s", code, body)
	}
	if code, body := httpDo(t, "PUT", base+"/v1/client/allocation/"+execAllocID+"/exec", nil); code != 405 {
		t.Fatalf("PUT: %d %s", code, body)
	}
}

// TestClientAllocExec_Proxied: an agent without the allocation proxies
// the exec, upgrade and frames, to the node that runs it.
func TestClientAllocExec_Proxied(t *testing.T) {
	remote, rc, _ := newExecTestAPI(t)
	api := newTestAPI(t)
	api.backend.allocs[execAllocID] = rc.ar.Alloc()
	api.backend.nodes["node-local-0000"] = &structs.Node{ID: "node-local-0000", Name: "remote",
		HTTPAddr: strings.TrimPrefix(remote.srv.URL, "http://")}

	conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
	sendFrame(t, conn, `{"stdin":{"data":"ZmFyCg=="}}`) // "far\n"
	sendFrame(t, conn, `{"stdin":{"close":true}}`)
	if out := readExec(t, conn); out.stdout != "far\n" || !out.exited || out.exitCode != 0 {
		t.Fatalf("proxied cat: %+v", out)
	}
	// From the agent's own origin (its web UI), through the proxy: the
	// remote node, whose origin differs, is not shown the browser's.
	own, _, err := websocket.DefaultDialer.Dial(execURL(api.srv.URL, execAllocID, "web", "cat"), http.Header{"Origin": {api.srv.URL}})
	if err != nil {
		t.Fatalf("proxied exec from the agent's own origin: %v", err)
	}
	sendFrame(t, own, `{"stdin":{"close":true}}`)
	if out := readExec(t, own); !out.exited || out.exitCode != 0 {
		t.Fatalf("proxied cat from the own origin: %+v", out)
	}
	own.Close()
	// Refusals come from the servers' copy before any proxying.
	dialRefused(t, execURL(api.srv.URL, execAllocID, "nope", "echo"), 400, "its tasks: done, side, web")
	// The remote's own checks answer through the proxy.
	dialRefused(t, execURL(api.srv.URL, execAllocID, "side", "echo"), 400, "does not support exec")
}

// TestClientAllocExec_Resize: with a terminal, tty_size frames reach the
// driver as ExecStdio.Resize; without one the driver gets no channel; a
// zero (unknown) size is ignored; a negative or too large one ends the
// session with an error saying what is valid.
func TestClientAllocExec_Resize(t *testing.T) {
	api, _, drv := newExecTestAPI(t)

	t.Run("tty", func(t *testing.T) {
		conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat")+"&tty=true")
		sendFrame(t, conn, `{"tty_size":{"height":24,"width":80}}`)
		sendFrame(t, conn, `{"tty_size":{"height":0,"width":0}}`) // unknown: ignored
		sendFrame(t, conn, `{"tty_size":{"height":65535,"width":1}}`)
		sendFrame(t, conn, `{"stdin":{"data":"aGkK"}}`) // "hi\n"
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, msg, err := conn.ReadMessage(); err != nil || !strings.Contains(string(msg), `"stdout":{"data":"aGkK"}`) {
			t.Fatalf("first output: %s, %v", msg, err)
		}
		want := []plugin.TerminalSize{{Height: 24, Width: 80}, {Height: 65535, Width: 1}}
		waitFor(t, 10*time.Second, "the driver to get both sizes", func() bool {
			got, _ := drv.resizes()
			return len(got) >= len(want)
		})
		if got, n := drv.resizes(); !reflect.DeepEqual(got, want) || n != 1 {
			t.Fatalf("driver got sizes %v in %d execs, want %v in 1", got, n, want)
		}
		sendFrame(t, conn, `{"stdin":{"close":true}}`)
		if out := readExec(t, conn); !out.exited || out.exitCode != 0 {
			t.Fatalf("cat: %+v", out)
		}
	})
	t.Run("no tty", func(t *testing.T) {
		before, _ := drv.resizes()
		conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat"))
		sendFrame(t, conn, `{"tty_size":{"height":30,"width":100}}`)
		sendFrame(t, conn, `{"stdin":{"close":true}}`)
		if out := readExec(t, conn); !out.exited || out.exitCode != 0 {
			t.Fatalf("cat: %+v", out)
		}
		if got, n := drv.resizes(); len(got) != len(before) || n != 1 {
			t.Fatalf("without a terminal the driver got sizes %v (%d execs with a Resize channel)", got[len(before):], n)
		}
	})
	for _, c := range []struct{ name, frame, want string }{
		{"too wide", `{"tty_size":{"height":24,"width":65536}}`, "tty_size height 24, width 65536: each must be 1..65535"},
		{"negative", `{"tty_size":{"height":-1,"width":80}}`, "tty_size height -1, width 80"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := dialExec(t, execURL(api.srv.URL, execAllocID, "web", "cat")+"&tty=true")
			sendFrame(t, conn, c.frame)
			out := readExec(t, conn)
			if out.exited || out.closeCode != websocket.CloseInvalidFramePayloadData || !strings.Contains(out.errMsg, c.want) {
				t.Fatalf("%s: %+v, want an error containing %q", c.frame, out, c.want)
			}
		})
	}
	waitFor(t, 10*time.Second, "every exec to end", func() bool { return drv.execs() == 0 })
}
