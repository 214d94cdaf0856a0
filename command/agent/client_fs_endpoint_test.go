package agent

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestClientFS(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	a.writeLog(t, "web", "stdout", 0, "0123456789")
	base := api.srv.URL + "/v1/client/fs/"

	code, body := get(t, base+"ls/alloc-1")
	var files []AllocFileInfo
	if code != 200 || json.Unmarshal([]byte(body), &files) != nil {
		t.Fatalf("ls: %d %s", code, body)
	}
	if len(files) != 2 || files[0].Name != "alloc" || !files[0].IsDir || files[1].Name != "web" {
		t.Fatalf("ls / = %s", body)
	}
	code, body = get(t, base+"ls/alloc-1?path=alloc/logs")
	if code != 200 || !strings.Contains(body, `"Name":"web.stdout.0"`) || !strings.Contains(body, `"Size":10`) || !strings.Contains(body, `"FileMode":"-rw-r--r--"`) {
		t.Fatalf("ls alloc/logs: %d %s", code, body)
	}
	code, body = get(t, base+"stat/alloc-1?path=alloc/logs/web.stdout.0")
	if code != 200 || !strings.Contains(body, `"Name":"web.stdout.0"`) || !strings.Contains(body, `"IsDir":false`) || !strings.Contains(body, `"ModTime":"`) {
		t.Fatalf("stat: %d %s", code, body)
	}
	if code, body = get(t, base+"cat/alloc-1?path=/alloc/logs/web.stdout.0"); code != 200 || body != "0123456789" {
		t.Fatalf("cat: %d %q", code, body)
	}
	if code, body = get(t, base+"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=2&limit=3"); code != 200 || body != "234" {
		t.Fatalf("readat: %d %q", code, body)
	}
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"ls/alloc-1?path=../..", 400, "escapes the allocation directory"},
		{"cat/alloc-1?path=alloc/../../../etc/passwd", 400, "escapes the allocation directory"},
		{"stat/alloc-1?path=alloc/nope", 404, `path "alloc/nope" not found`},
		{"cat/alloc-1?path=alloc/logs", 400, "is a directory"},
		{"cat/alloc-1", 400, "missing path"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=x&limit=1", 400, "invalid offset"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=0", 400, "invalid limit"},
	} {
		code, body := get(t, base+tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.want)
		}
	}
}

// hardenedAlloc is an allocation of task "web" holding a secret and the
// traps a task can plant in its directory: symlinks into the secrets
// directory, a symlink loop, a FIFO and a device node.
func hardenedAlloc(t *testing.T) (*testAPI, *fakeAlloc, string) {
	t.Helper()
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	a.writeLog(t, "web", "stdout", 0, "0123456789")
	dir := a.d.Dir
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "web", "secrets", "token"), []byte("s3cr3t"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "web", "local", "conf"), []byte("ok"), 0o644))
	data := filepath.Join(dir, "alloc", "data")
	must(os.Symlink("../../web/secrets", filepath.Join(data, "sec")))
	must(os.Symlink("../../web/secrets/token", filepath.Join(data, "tok")))
	must(os.Symlink(filepath.Join(dir, "web", "secrets"), filepath.Join(data, "abs")))
	must(os.Symlink("../../web/./secrets", filepath.Join(dir, "web", "local", "up")))
	must(os.Symlink("loop-b", filepath.Join(data, "loop-a")))
	must(os.Symlink("loop-a", filepath.Join(data, "loop-b")))
	must(os.Symlink("self", filepath.Join(data, "self")))
	must(syscall.Mkfifo(filepath.Join(data, "fifo"), 0o644))
	return api, a, c.root
}

// TestClientFS_SecretsRefused: no fs endpoint reads a task's secrets
// directory, whatever path or symlink leads there (issue 13, finding 5).
func TestClientFS_SecretsRefused(t *testing.T) {
	api, _, root := hardenedAlloc(t)
	base := api.srv.URL + "/v1/client/fs/"
	for _, p := range []string{
		"web/secrets", "web/secrets/", "/web/secrets/token", "web//secrets/./token", "web/./secrets",
		"alloc/data/sec", "alloc/data/sec/token", "alloc/data/tok", "alloc/data/abs/token", "web/local/up/token",
	} {
		for _, ep := range []string{"ls", "stat", "cat", "readat", "stream"} {
			u := base + ep + "/alloc-1?path=" + url.QueryEscape(p)
			if ep == "readat" {
				u += "&offset=0&limit=100"
			}
			if ep == "stream" {
				u += "&follow=false"
			}
			code, body := get(t, u)
			if code != 403 || !strings.Contains(body, "secrets directory is prohibited") || strings.Contains(body, "s3cr3t") {
				t.Errorf("%s %s: %d %q, want 403 refusing the secrets directory", ep, p, code, body)
			}
			if strings.Contains(body, root) {
				t.Errorf("%s %s: body reveals the host path: %q", ep, p, body)
			}
		}
	}
	// The task's directory itself is still listed, secrets/ included.
	if code, body := get(t, base+"ls/alloc-1?path=web"); code != 200 || !strings.Contains(body, `"Name":"secrets"`) {
		t.Fatalf("ls web: %d %s", code, body)
	}
}

// TestClientFS_ClientMistakesAre4xx: symlink loops, ls on what is not a
// directory, FIFOs and out-of-range offsets are the caller's mistakes,
// answered with a 4xx that names the caller's path and no host path
// (issue 13, finding 8).
func TestClientFS_ClientMistakesAre4xx(t *testing.T) {
	api, a, root := hardenedAlloc(t)
	dev := filepath.Join(a.d.Dir, "alloc", "data", "null")
	haveDev := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3 /* 1:3, /dev/null */) == nil
	base := api.srv.URL + "/v1/client/fs/"
	type tc struct {
		url  string
		code int
		want string
	}
	cases := []tc{
		{"ls/alloc-1?path=alloc/logs/web.stdout.0", 400, `"alloc/logs/web.stdout.0": not a directory`},
		{"ls/alloc-1?path=alloc/data/fifo", 400, "not a directory (it is a named pipe)"},
		{"cat/alloc-1?path=alloc/data/fifo", 400, "not a regular file (it is a named pipe)"},
		{"readat/alloc-1?path=alloc/data/fifo&offset=0&limit=1", 400, "not a regular file"},
		{"stream/alloc-1?path=alloc/data/fifo&follow=false", 400, "not a regular file"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=9223372036854775807&limit=1", 400, "past the end"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=11&limit=1", 400, "past the end"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=-1&limit=1", 400, "invalid offset"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=0&limit=-5", 400, "invalid limit"},
		{"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=0&limit=99999999999999999999", 400, "invalid limit"},
		{"cat/alloc-1?path=alloc/logs/web.stdout.0/x", 400, "not a directory"},
		{"cat/alloc-1?path=" + url.QueryEscape("alloc/\x00x"), 400, "NUL"},
		{"stat/alloc-1?path=" + strings.Repeat("a/", 3000), 400, "too long"},
	}
	for _, ep := range []string{"ls", "stat", "cat", "readat", "stream"} {
		for _, p := range []string{"alloc/data/loop-a", "alloc/data/self", "alloc/data/loop-b/x"} {
			u := ep + "/alloc-1?path=" + p + "&offset=0&limit=1&follow=false"
			cases = append(cases, tc{u, 400, "too many symlinks"})
		}
	}
	if haveDev {
		cases = append(cases,
			tc{"ls/alloc-1?path=alloc/data/null", 400, "not a directory (it is a device)"},
			tc{"cat/alloc-1?path=alloc/data/null", 400, "not a regular file (it is a device)"})
	}
	for _, c := range cases {
		code, body := get(t, base+c.url)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %q, want %d %q", c.url, code, body, c.code, c.want)
		}
		if strings.Contains(body, root) || strings.Contains(body, os.TempDir()+"/") {
			t.Errorf("%s: body reveals a host path: %q", c.url, body)
		}
	}
	// Reading at the very end is an empty answer, not an error; a limit
	// past the end reads what there is, up to maxReadAtLimit.
	if code, body := get(t, base+"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=10&limit=5"); code != 200 || body != "" {
		t.Errorf("readat at the end: %d %q", code, body)
	}
	if code, body := get(t, base+"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=8&limit=1073741824"); code != 200 || body != "89" {
		t.Errorf("readat with the largest limit: %d %q", code, body)
	}
	if code, body := get(t, base+"readat/alloc-1?path=alloc/logs/web.stdout.0&offset=8&limit=9223372036854775807"); code != 400 || !strings.Contains(body, "want a byte count from 0 to 1073741824") {
		t.Errorf("readat with a huge limit: %d %q", code, body)
	}
	// Symlinks that stay inside (and outside secrets) are followed.
	if code, body := get(t, base+"cat/alloc-1?path=web/local/conf"); code != 200 || body != "ok" {
		t.Errorf("cat: %d %q", code, body)
	}
}

// TestClientFS_EscapeMessagesHideHostPaths: a symlink out of the
// allocation directory is refused without naming the host paths on either
// side of it.
func TestClientFS_EscapeMessagesHideHostPaths(t *testing.T) {
	api, a, root := hardenedAlloc(t)
	if err := os.Symlink(filepath.Join(root, "elsewhere"), filepath.Join(a.d.Dir, "alloc", "data", "out")); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"ls", "stat", "cat"} {
		code, body := get(t, api.srv.URL+"/v1/client/fs/"+ep+"/alloc-1?path=alloc/data/out")
		if code != 400 || !strings.Contains(body, `"alloc/data/out"`) || !strings.Contains(body, "escapes the allocation directory") || strings.Contains(body, root) {
			t.Errorf("%s: %d %q", ep, code, body)
		}
	}
}

// TestClientFS_DotDotInside: ".." that stays inside the allocation
// directory is resolved as the kernel would (the parent of where the walk
// really is), and so still cannot reach a secrets directory.
func TestClientFS_DotDotInside(t *testing.T) {
	api, _, _ := hardenedAlloc(t)
	base := api.srv.URL + "/v1/client/fs/"
	if code, body := get(t, base+"cat/alloc-1?path=alloc/../web/local/conf"); code != 200 || body != "ok" {
		t.Errorf("cat via ..: %d %q", code, body)
	}
	if code, body := get(t, base+"cat/alloc-1?path=alloc/../web/secrets/token"); code != 403 {
		t.Errorf("secrets via ..: %d %q", code, body)
	}
	// alloc/data/sec is web/secrets: its parent is web, not alloc/data.
	if code, body := get(t, base+"ls/alloc-1?path=alloc/data/sec/.."); code != 403 {
		t.Errorf("ls through the secrets dir and back: %d %q", code, body)
	}
	if code, body := get(t, base+"ls/alloc-1?path=alloc/data/../../.."); code != 400 || !strings.Contains(body, "escapes the allocation directory") {
		t.Errorf("above the root: %d %q", code, body)
	}
}
