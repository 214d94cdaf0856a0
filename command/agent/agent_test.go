package agent

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// syncBuffer is a log sink safe for the agent's goroutines.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// devTestConfig is -dev on free ports.
func devTestConfig(t *testing.T) *Config {
	cfg := DevConfig()
	cfg.NodeName = "dev-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	cfg.Ports.HTTP, cfg.Ports.RPC, cfg.Ports.Serf = 0, 0, 0
	cfg.Ports.DNS = 0 // -dev answers DNS on 8600; tests leave it to a real dev agent
	// The server alone: these tests drive the HTTP API and the server;
	// the client wiring is tested with a fake client (client_test.go).
	cfg.Client.Enabled = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func httpDo(t *testing.T, method, url string, body interface{}) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// devAgent is a -dev agent (server and client) on free ports whose logs
// the test reads; it is shut down when the test ends.
type devAgent struct {
	base string
	logs *syncBuffer
}

func newDevAgent(t *testing.T) *devAgent {
	t.Helper()
	logs := &syncBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug})
	a, err := NewAgent(devTestConfig(t), logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Shutdown()
		if t.Failed() {
			t.Logf("agent logs:\n%s", logs.String())
		}
	})
	la := &devAgent{base: "http://" + a.HTTPAddr(), logs: logs}
	waitFor(t, 10*time.Second, "a leader", func() bool {
		code, _ := httpDo(t, "GET", la.base+"/v1/agent/health", nil)
		return code == 200
	})
	return la
}

func TestAgent_DevRegisterAndReadJob(t *testing.T) {
	base := newDevAgent(t).base

	code, body := httpDo(t, "PUT", base+"/v1/jobs", map[string]interface{}{"Job": testJob("web")})
	if code != 200 {
		t.Fatalf("register: %d %s", code, body)
	}
	var reg structs.JobRegisterResponse
	if err := json.Unmarshal(body, &reg); err != nil {
		t.Fatal(err)
	}
	if reg.EvalID == "" || reg.JobModifyIndex == 0 {
		t.Fatalf("register response = %s", body)
	}

	code, body = httpDo(t, "GET", base+"/v1/job/web", nil)
	if code != 200 {
		t.Fatalf("read: %d %s", code, body)
	}
	var job structs.Job
	if err := json.Unmarshal(body, &job); err != nil {
		t.Fatal(err)
	}
	if job.ID != "web" || job.Namespace != "default" || len(job.TaskGroups) != 1 || job.JobModifyIndex != reg.JobModifyIndex {
		t.Fatalf("job = %s", body)
	}

	// A user mistake is a 400 with the field path, from the real server.
	bad := testJob("bad")
	bad["TaskGroups"].([]map[string]interface{})[0]["Count"] = -1
	code, body = httpDo(t, "PUT", base+"/v1/jobs", map[string]interface{}{"Job": bad})
	if code != 400 || !strings.Contains(string(body), `group "web" > count`) {
		t.Fatalf("invalid job: %d %s", code, body)
	}

	code, body = httpDo(t, "GET", base+"/v1/agent/members", nil)
	if code != 200 || !strings.Contains(string(body), `"Status":"alive"`) {
		t.Fatalf("members: %d %s", code, body)
	}
	code, body = httpDo(t, "GET", base+"/v1/metrics?format=prometheus", nil)
	if code != 200 {
		t.Fatalf("metrics: %d %s", code, body)
	}
}

// httpDo2 is a GET that reports connection errors instead of failing.
func httpDo2(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
