package agent

import (
	"encoding/json"
	"strings"
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
