package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClientFSStream(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	a.writeLog(t, "web", "stdout", 0, "0123456789")
	base := api.srv.URL + "/v1/client/fs/stream/alloc-1?path=alloc/logs/web.stdout.0"

	if code, body := get(t, base+"&follow=false&plain=true&offset=4"); code != 200 || body != "456789" {
		t.Fatalf("plain: %d %q", code, body)
	}
	code, body := get(t, base+"&follow=false&origin=end&offset=3")
	if code != 200 || body != `{"Offset":10,"Data":"Nzg5","File":"alloc/logs/web.stdout.0"}`+"\n" {
		t.Fatalf("framed: %d %q", code, body)
	}
	for _, tc := range []struct{ query, want string }{
		{"&origin=middle", "invalid origin"},
		{"&offset=x", "invalid offset"},
	} {
		if code, body := get(t, base+tc.query); code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %q", tc.query, code, body)
		}
	}
	if code, body := get(t, api.srv.URL+"/v1/client/fs/stream/alloc-1?path=alloc/logs"); code != 400 || !strings.Contains(body, "is a directory") {
		t.Fatalf("directory: %d %q", code, body)
	}

	// Followed by default: appended bytes arrive.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"&origin=end&offset=2", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var got bytes.Buffer
	for !strings.HasSuffix(got.String(), "more\n") {
		var f StreamFrame
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("after %q: %v", got.String(), err)
		}
		got.Write(f.Data)
		if got.String() == "89" {
			a.appendLog(t, "web", "stdout", 0, "more\n")
		}
	}
	if got.String() != "89more\n" {
		t.Fatalf("followed %q", got.String())
	}
}
