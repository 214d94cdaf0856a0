package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAllocFSListStatCatReadAt(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/client/fs/ls/{id}", 0, `[{"Name":"alloc","IsDir":true,"Size":4096,"FileMode":"drwxr-xr-x","ModTime":"2024-01-02T03:04:05Z"}]`)
	f.handleJSON("GET /v1/client/fs/stat/{id}", 0, `{"Name":"web.stdout.0","Size":10,"FileMode":"-rw-r--r--","ContentType":"text/plain"}`)
	f.mux.HandleFunc("GET /v1/client/fs/cat/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "whole file") })
	f.mux.HandleFunc("GET /v1/client/fs/readat/{id}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		fmt.Fprintf(w, "%s@%s+%s", q.Get("path"), q.Get("offset"), q.Get("limit"))
	})
	c := f.client(t)
	alloc := &Allocation{ID: "a1"}

	list, _, err := c.AllocFS().List(alloc, "/", nil)
	if err != nil || len(list) != 1 || !list[0].IsDir || list[0].ModTime.Year() != 2024 || f.last.URL.Query().Get("path") != "/" {
		t.Fatalf("list = %+v, %v (%s)", list, err, f.last.URL)
	}
	st, _, err := c.AllocFS().Stat(alloc, "alloc/logs/web.stdout.0", nil)
	if err != nil || st.Size != 10 || st.ContentType != "text/plain" || f.last.URL.Path != "/v1/client/fs/stat/a1" {
		t.Fatalf("stat = %+v, %v", st, err)
	}
	rc, err := c.AllocFS().Cat(alloc, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "whole file" {
		t.Fatalf("cat = %q", b)
	}
	rc, err = c.AllocFS().ReadAt(alloc, "f", 5, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(rc)
	rc.Close()
	if string(b) != "f@5+7" {
		t.Fatalf("readat = %q", b)
	}
	f.mux.HandleFunc("GET /v1/client/fs/ls/missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `allocation "missing" not found`, http.StatusNotFound)
	})
	if _, _, err := c.AllocFS().List(&Allocation{ID: "missing"}, "/", nil); !IsNotFound(err) {
		t.Fatalf("missing: %v", err)
	}
}

func TestAllocFSLogs(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("GET /v1/client/fs/logs/{id}", func(w http.ResponseWriter, r *http.Request) {
		// Two data frames around a heartbeat, as the agent sends them.
		io.WriteString(w, `{"Offset":6,"Data":"aGVsbG8K","File":"alloc/logs/web.stdout.0"}`+"\n{}\n"+`{"Offset":12,"Data":"d29ybGQK"}`+"\n")
	})
	c := f.client(t)
	frames, errs := c.AllocFS().Logs(&Allocation{ID: "a1"}, false, "web", "stderr", OriginEnd, 12, nil, nil)
	var got strings.Builder
	n := 0
	for fr := range frames {
		got.Write(fr.Data)
		n++
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if got.String() != "hello\nworld\n" || n != 2 {
		t.Fatalf("frames %d: %q", n, got.String())
	}
	q := f.last.URL.Query()
	if q.Get("task") != "web" || q.Get("type") != "stderr" || q.Get("origin") != "end" || q.Get("offset") != "12" || q.Get("follow") != "false" {
		t.Fatalf("query = %s", f.last.URL.RawQuery)
	}

	// A refused request arrives on the error channel.
	f.mux.HandleFunc("GET /v1/client/fs/logs/bad", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `task "x" is not in allocation bad`, http.StatusBadRequest)
	})
	frames, errs = c.AllocFS().Logs(&Allocation{ID: "bad"}, true, "x", "stdout", OriginStart, 0, make(chan struct{}), nil)
	for range frames {
	}
	if err := <-errs; err == nil || !strings.Contains(err.Error(), "is not in allocation") {
		t.Fatalf("err = %v", err)
	}
}

func TestAllocationsStopRestartSignalStats(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("PUT /v1/allocation/{id}/stop", 42, `{"EvalID":"e1","Index":42}`)
	f.handleJSON("PUT /v1/client/allocation/{id}/restart", 0, `{}`)
	f.handleJSON("PUT /v1/client/allocation/{id}/signal", 0, `{}`)
	f.handleJSON("GET /v1/client/allocation/{id}/stats", 0, `{"ResourceUsage":{"MemoryStats":{"RSS":1024},"CpuStats":{"Percent":12.5}},"Tasks":{"web":{"Timestamp":7}},"Timestamp":9}`)
	c := f.client(t)
	alloc := &Allocation{ID: "a1"}

	resp, err := c.Allocations().Stop(alloc, nil)
	if err != nil || resp.EvalID != "e1" || resp.LastIndex != 42 {
		t.Fatalf("stop = %+v, %v", resp, err)
	}
	if err := c.Allocations().Restart(alloc, "web", nil); err != nil || f.body != `{"TaskName":"web"}` {
		t.Fatalf("restart: %v, body %s", err, f.body)
	}
	if err := c.Allocations().Signal(alloc, nil, "web", "SIGHUP"); err != nil || f.body != `{"Signal":"SIGHUP","Task":"web"}` {
		t.Fatalf("signal: %v, body %s", err, f.body)
	}
	st, err := c.Allocations().Stats(alloc, nil)
	if err != nil || st.ResourceUsage.MemoryStats.RSS != 1024 || st.ResourceUsage.CpuStats.Percent != 12.5 || st.Tasks["web"].Timestamp != 7 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
}

func TestAllocFSStream(t *testing.T) {
	f := newFakeAgent(t)
	f.mux.HandleFunc("GET /v1/client/fs/stream/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"Offset":3,"Data":"YWJj","File":"web/local/f"}`+"\n")
	})
	c := f.client(t)
	cancel := make(chan struct{})
	defer close(cancel)
	frames, errs := c.AllocFS().Stream(&Allocation{ID: "a1"}, "web/local/f", OriginEnd, 3, cancel, nil)
	var got strings.Builder
	for fr := range frames {
		got.Write(fr.Data)
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	q := f.last.URL.Query()
	if got.String() != "abc" || q.Get("path") != "web/local/f" || q.Get("origin") != "end" || q.Get("offset") != "3" {
		t.Fatalf("got %q, query %s", got.String(), f.last.URL.RawQuery)
	}
}
