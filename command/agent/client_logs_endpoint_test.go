package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClientLogs_PlainAndOrigins(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web", "sidecar")
	a.writeLog(t, "web", "stdout", 0, "hello\n")
	a.writeLog(t, "web", "stdout", 1, "world\n")
	a.writeLog(t, "web", "stderr", 0, "oops\n")
	base := api.srv.URL + "/v1/client/fs/logs/alloc-1?task=web&plain=true"

	for _, tc := range []struct{ query, want string }{
		{"", "hello\nworld\n"},
		{"&type=stdout&origin=start&offset=3", "lo\nworld\n"},
		{"&origin=end&offset=6", "world\n"},
		{"&origin=end&offset=100", "hello\nworld\n"},
		{"&type=stderr", "oops\n"},
	} {
		code, body := get(t, base+tc.query)
		if code != 200 || body != tc.want {
			t.Errorf("%s: %d %q, want %q", tc.query, code, body, tc.want)
		}
	}
	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{"&type=stdin", 400, `invalid type "stdin"`},
		{"&origin=middle", 400, `invalid origin "middle"`},
		{"&offset=-1", 400, "invalid offset"},
	} {
		code, body := get(t, base+tc.query)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.query, code, body, tc.code, tc.want)
		}
	}
	// A bad or missing task name lists the allocation's tasks.
	code, body := get(t, api.srv.URL+"/v1/client/fs/logs/alloc-1?task=nope")
	if code != 400 || !strings.Contains(body, `task "nope" is not in allocation alloc-1`) || !strings.Contains(body, "its tasks: sidecar, web") {
		t.Fatalf("bad task: %d %q", code, body)
	}
	code, body = get(t, api.srv.URL+"/v1/client/fs/logs/alloc-1")
	if code != 400 || !strings.Contains(body, "missing task name") || !strings.Contains(body, "sidecar, web") {
		t.Fatalf("no task: %d %q", code, body)
	}
}

// readFrames decodes every frame of a framed log answer.
func readFrames(t *testing.T, r io.Reader) []StreamFrame {
	t.Helper()
	var out []StreamFrame
	dec := json.NewDecoder(r)
	for {
		var f StreamFrame
		if err := dec.Decode(&f); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("decode frame: %v", err)
		}
		out = append(out, f)
	}
}

func TestClientLogs_Frames(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	a.writeLog(t, "web", "stdout", 0, "hello\n")
	a.writeLog(t, "web", "stdout", 1, "world\n")

	resp, err := http.Get(api.srv.URL + "/v1/client/fs/logs/alloc-1?task=web&type=stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	frames := readFrames(t, resp.Body)
	var data []byte
	for _, f := range frames {
		data = append(data, f.Data...)
	}
	last := frames[len(frames)-1]
	if string(data) != "hello\nworld\n" || last.Offset != 12 || last.File != "alloc/logs/web.stdout.1" {
		t.Fatalf("frames %+v (data %q)", frames, data)
	}
	// The raw JSON uses Nomad's names, with Data in base64.
	code, body := get(t, api.srv.URL+"/v1/client/fs/logs/alloc-1?task=web&origin=end&offset=6")
	if code != 200 || !strings.Contains(body, `"Data":"d29ybGQK"`) || !strings.Contains(body, `"Offset":12`) {
		t.Fatalf("raw frame: %d %s", code, body)
	}
}

func TestClientLogs_Follow(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	a.writeLog(t, "web", "stdout", 0, "one\n")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api.srv.URL+"/v1/client/fs/logs/alloc-1?task=web&follow=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var got bytes.Buffer
	appended := false
	for !strings.Contains(got.String(), "two\n") {
		var f StreamFrame
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("after %q: %v", got.String(), err)
		}
		got.Write(f.Data)
		if got.String() == "one\n" && !appended {
			// The task writes more while the reader follows.
			a.appendLog(t, "web", "stdout", 0, "two\n")
			appended = true
		}
	}
	if got.String() != "one\ntwo\n" {
		t.Fatalf("followed %q", got.String())
	}
}

// TestClientLogs_ConfinedLikeCat: the logs endpoint resolves alloc/logs
// through the same confined resolver as cat, so alloc/logs replaced by a
// symlink to a directory outside the allocation (or into a task's secrets)
// serves nothing from there (issue 13, finding 6).
func TestClientLogs_ConfinedLikeCat(t *testing.T) {
	for _, tc := range []struct {
		name, code, want string
		target           func(allocDir, outside string) string
	}{
		{"outside", "400", "escapes the allocation directory", func(_, outside string) string { return outside }},
		{"secrets", "403", "secrets directory is prohibited", func(allocDir, _ string) string { return "../web/secrets" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, c := newClientTestAPI(t)
			a := c.addAlloc(t, "alloc-1", "web")
			outside := t.TempDir()
			if err := os.WriteFile(filepath.Join(outside, "web.stdout.0"), []byte("host file\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(a.d.Dir, "web", "secrets", "web.stdout.0"), []byte("s3cr3t\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			logDir := a.LogDir()
			if err := os.RemoveAll(logDir); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.target(a.d.Dir, outside), logDir); err != nil {
				t.Fatal(err)
			}
			// Bounded, as a followed stream that was wrongly let
			// through would never end.
			hc := &http.Client{Timeout: 10 * time.Second}
			for _, q := range []string{"&plain=true", "&plain=true&follow=true", ""} {
				resp, err := hc.Get(api.srv.URL + "/v1/client/fs/logs/alloc-1?task=web" + q)
				if err != nil {
					t.Fatalf("logs%s: %v", q, err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				code, body := resp.StatusCode, string(b)
				if err != nil {
					t.Errorf("logs%s: %d %q, then %v", q, code, body, err)
				}
				if fmt.Sprint(code) != tc.code || !strings.Contains(body, tc.want) || strings.Contains(body, "host file") ||
					strings.Contains(body, "s3cr3t") || strings.Contains(body, c.root) || strings.Contains(body, outside) {
					t.Errorf("logs%s: %d %q, want %s %q", q, code, body, tc.code, tc.want)
				}
			}
			// cat refuses the same path with the same status.
			code, body := get(t, api.srv.URL+"/v1/client/fs/cat/alloc-1?path=alloc/logs/web.stdout.0")
			if fmt.Sprint(code) != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("cat: %d %q", code, body)
			}
		})
	}
}
