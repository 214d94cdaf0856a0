package command

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nomadish/nomadish/api"
)

// fakeExecAgent is a fakeAllocAgent with the exec endpoint: a WebSocket
// speaking Nomad's exec frames that knows a few commands — cat (stdin to
// stdout), exit N (says bye on stderr), fail (an error frame) — and
// refuses task "side" as a driver without exec.
type fakeExecAgent struct {
	*fakeAllocAgent
	url string

	mu      sync.Mutex // guards the fields below
	queries []url.Values
	sizes   []execTTYSize
}

func newFakeExecAgent(t *testing.T, allocs ...*api.Allocation) *fakeExecAgent {
	t.Helper()
	f := &fakeExecAgent{fakeAllocAgent: newFakeAllocAgent(t, allocs...)}
	target, _ := url.Parse(f.fakeAllocAgent.URL)
	mux := http.NewServeMux()
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	mux.HandleFunc("GET /v1/client/allocation/{id}/exec", f.exec)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeExecAgent) exec(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	if q.Get("task") == "side" {
		http.Error(w, `task "side" runs on driver "wasm", which does not support exec`, http.StatusBadRequest)
		return
	}
	var cmd []string
	if err := json.Unmarshal([]byte(q.Get("command")), &cmd); err != nil || len(cmd) == 0 {
		http.Error(w, "invalid command", http.StatusBadRequest)
		return
	}
	conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	out := func(v string) { conn.WriteJSON(map[string]any{"stdout": map[string]any{"data": []byte(v)}}) }
	exit := func(code int) {
		conn.WriteJSON(map[string]any{"exited": true, "result": map[string]any{"exit_code": code}})
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	}
	switch cmd[0] {
	case "cat":
		for {
			var fr execInFrame
			if err := conn.ReadJSON(&fr); err != nil {
				return
			}
			if fr.TTYSize != nil {
				f.mu.Lock()
				f.sizes = append(f.sizes, *fr.TTYSize)
				f.mu.Unlock()
			}
			if fr.Stdin != nil && len(fr.Stdin.Data) > 0 {
				out(string(fr.Stdin.Data))
			}
			if fr.Stdin != nil && fr.Stdin.Close {
				exit(0)
				return
			}
		}
	case "exit":
		code, _ := strconv.Atoi(cmd[1])
		conn.WriteJSON(map[string]any{"stderr": map[string]any{"data": []byte("bye\n")}})
		exit(code)
	case "fail":
		conn.WriteJSON(map[string]any{"error": map[string]any{"message": `exec in task "web" failed: runtime exploded`}})
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "runtime exploded"))
	}
}

func (f *fakeExecAgent) lastQuery() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return nil
	}
	return f.queries[len(f.queries)-1]
}

func TestAllocExec(t *testing.T) {
	one := testAlloc("aa000000-1111", "web")
	two := testAlloc("bb000000-2222", "web", "side")
	two.JobID = "api"
	f := newFakeExecAgent(t, one, two)
	run := func(stdin string, terminal bool, args ...string) (int, string, string) {
		meta, ui, _ := testMeta(t)
		meta.stdin = strings.NewReader(stdin)
		c := &AllocExecCommand{Meta: meta, stdinTerminal: func() bool { return terminal }}
		code := c.Run(append([]string{"-address=" + f.url}, args...))
		return code, ui.OutputWriter.String(), ui.ErrorWriter.String()
	}

	code, out, errOut := run("hello\nworld\n", false, "aa00", "cat")
	if code != 0 || out != "hello\nworld\n" || errOut != "" {
		t.Fatalf("cat: %d %q %q", code, out, errOut)
	}
	q := f.lastQuery()
	if q.Get("task") != "web" || q.Get("tty") != "false" || q.Get("command") != `["cat"]` {
		t.Fatalf("query %v", q)
	}

	if code, out, errOut := run("", false, "-task=web", "bb00", "exit", "3"); code != 3 || out != "" || errOut != "bye\n" {
		t.Fatalf("exit 3: %d %q %q", code, out, errOut)
	}
	if q := f.lastQuery(); q.Get("command") != `["exit","3"]` {
		t.Fatalf("exit query %v", q)
	}

	// -i=false: the command gets an empty stdin at once.
	if code, out, _ := run("ignored\n", false, "-i=false", "aa00", "cat"); code != 0 || out != "" {
		t.Fatalf("-i=false: %d %q", code, out)
	}

	// -t defaults to whether stdin is a terminal; -t=false turns it off.
	if code, _, errOut := run("", true, "aa00", "cat"); code != 0 || f.lastQuery().Get("tty") != "true" {
		t.Fatalf("-t default on a terminal: %d %q %v", code, errOut, f.lastQuery())
	}
	if code, _, _ := run("", true, "-t=false", "aa00", "cat"); code != 0 || f.lastQuery().Get("tty") != "false" {
		t.Fatalf("-t=false: %d %v", code, f.lastQuery())
	}

	// With a terminal, ~. at the start of a line leaves; ~~ sends ~.
	meta, ui, _ := testMeta(t)
	pr, pw := io.Pipe()
	meta.stdin = pr
	result := make(chan int, 1)
	go func() {
		c := &AllocExecCommand{Meta: meta, stdinTerminal: func() bool { return false }}
		result <- c.Run([]string{"-address=" + f.url, "-t", "aa00", "cat"})
	}()
	io.WriteString(pw, "a~b\n~~x\n")
	waitUntil(t, 10*time.Second, "the echoed input", func() bool { return ui.OutputWriter.String() == "a~b\n~x\n" })
	io.WriteString(pw, "~.after")
	select {
	case code := <-result:
		if errOut := ui.ErrorWriter.String(); code != 1 || !strings.Contains(errOut, "session closed with the escape sequence") {
			t.Fatalf("escape: %d %q", code, errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the escape sequence did not end the session")
	}
	pw.Close()
	if out := ui.OutputWriter.String(); out != "a~b\n~x\n" {
		t.Fatalf("output after the escape: %q", out)
	}
	// -e none: no escapes.
	if code, out, _ := run("~.x\n", false, "-t", "-e", "none", "aa00", "cat"); code != 0 || out != "~.x\n" {
		t.Fatalf("-e none: %d %q", code, out)
	}

	// -job: the job's newest allocation.
	if code, out, _ := run("j\n", false, "-job", "web", "cat"); code != 0 || out != "j\n" {
		t.Fatalf("-job: %d %q", code, out)
	}

	// The command and its arguments are passed as they are, flags too.
	if code, _, _ := run("", false, "aa00", "cat", "-n", "--", "a b"); code != 0 || f.lastQuery().Get("command") != `["cat","-n","--","a b"]` {
		t.Fatalf("args: %d %v", code, f.lastQuery())
	}
}

func TestAllocExec_Errors(t *testing.T) {
	two := testAlloc("bb000000-2222", "web", "side")
	done := testAlloc("cc000000-3333", "web")
	done.ClientStatus = "complete"
	f := newFakeExecAgent(t, two, done)
	run := func(args ...string) (int, string) {
		meta, ui, _ := testMeta(t)
		meta.stdin = strings.NewReader("")
		c := &AllocExecCommand{Meta: meta, stdinTerminal: func() bool { return false }}
		code := c.Run(append([]string{"-address=" + f.url}, args...))
		return code, ui.ErrorWriter.String()
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"bb00", "cat"}, []string{"is running the following tasks", "* side", "* web", "Please specify the task"}},
		{[]string{"-task=db", "bb00", "cat"}, []string{`Task "db" is not in allocation`, "* web"}},
		{[]string{"-task=side", "bb00", "cat"}, []string{`which does not support exec (HTTP 400)`}},
		{[]string{"-task=web", "bb00", "fail"}, []string{`exec in task "web" failed: runtime exploded`}},
		{[]string{"ff00", "cat"}, []string{`No allocation`}},
		{[]string{"cc00", "cat"}, []string{"is complete: exec needs a running allocation"}},
		{[]string{"bb00"}, []string{"the command to run; got 1 arguments", "Usage: nomadish alloc exec"}},
		{[]string{"-e", "ab", "bb00", "cat"}, []string{"-e must be a single character or 'none'"}},
	} {
		code, errOut := run(tc.args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (%s)", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: %q lacks %q", tc.args, errOut, w)
			}
		}
	}

	// An agent that is not there.
	meta, ui, _ := testMeta(t)
	if code := (&AllocExecCommand{Meta: meta}).Run([]string{"-address=" + deadAddress(t), "bb00", "cat"}); code != 1 ||
		!strings.Contains(ui.ErrorWriter.String(), "Is a nomadish agent running at") {
		t.Fatalf("dead agent: %d %q", code, ui.ErrorWriter.String())
	}
}

func TestEscapeFilter(t *testing.T) {
	for _, tc := range []struct {
		in    []string // successive reads
		out   string
		leave bool
	}{
		{[]string{"plain"}, "plain", false},
		{[]string{"~."}, "", true},
		{[]string{"ab~.c"}, "ab~.c", false}, // not at a line start
		{[]string{"ab\n~", ".rest"}, "ab\n", true},
		{[]string{"ab\r~~", "x"}, "ab\r~x", false},
		{[]string{"~x"}, "~x", false},
	} {
		e := &escapeFilter{esc: '~', atLineStart: true}
		var got []byte
		leave := false
		for _, in := range tc.in {
			out, l := e.filter([]byte(in))
			got = append(got, out...)
			if l {
				leave = true
				break
			}
		}
		if string(got) != tc.out || leave != tc.leave {
			t.Errorf("%q: got %q leave=%v, want %q leave=%v", tc.in, got, leave, tc.out, tc.leave)
		}
	}
}

func TestOptionalBoolAndEscape(t *testing.T) {
	var b optionalBool
	if b.set || b.Set("maybe") == nil {
		t.Fatal("optionalBool")
	}
	if err := b.Set("true"); err != nil || !b.set || !b.value {
		t.Fatalf("Set(true): %v %+v", err, b)
	}
	for in, want := range map[string]int{"~": '~', "none": -1, "^": '^'} {
		if got, err := parseEscape(in); err != nil || got != want {
			t.Errorf("parseEscape(%q) = %d, %v", in, got, err)
		}
	}
	if _, err := parseEscape(""); err == nil {
		t.Error("empty escape accepted")
	}
	if b.String() != "true" {
		t.Error("String")
	}
}
