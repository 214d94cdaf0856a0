package command

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/command/agent"
)

// devAgent is a real agent started in-process as `agent -dev` would, on
// ports the OS picks, for CLI tests end to end.
type devAgent struct {
	addr string
	logs *lockedBuffer
	// stdin is given to the next command run, then cleared.
	stdin io.Reader
}

// setStdin makes the next command run read s as its standard input.
func (d *devAgent) setStdin(t *testing.T, s string) { d.stdin = strings.NewReader(s) }

// startDevAgent starts a dev agent, waits until it has elected itself
// leader and shuts it down when the test ends (printing its logs if the
// test failed).
func startDevAgent(t *testing.T) *devAgent {
	t.Helper()
	cfg := agent.DevConfig()
	cfg.NodeName = "cli-" + strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(t.Name()))
	cfg.Ports.HTTP, cfg.Ports.RPC, cfg.Ports.Serf = 0, 0, 0
	cfg.Ports.DNS = 0 // -dev answers DNS on 8600; tests leave it to a real dev agent
	// The server alone: these tests simulate their client nodes over RPC
	// (e2e/nodesim), so that placements are deterministic.
	cfg.Client.Enabled = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	a, err := agent.NewAgent(cfg, hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Debug}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Shutdown(); err != nil {
			t.Errorf("agent shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("agent logs:\n%s", logs.String())
		}
	})
	d := &devAgent{addr: "http://" + a.HTTPAddr(), logs: logs}

	client, err := api.NewClient(&api.Config{Address: d.addr})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the dev agent to elect a leader", func() bool {
		leader, err := client.Status().Leader()
		return err == nil && leader != ""
	})
	return d
}

// run runs the CLI command line args (e.g. "job", "run", "-detach", path)
// against the agent and returns its exit code, stdout and stderr. The
// monitors use the real clock.
func (d *devAgent) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv(api.EnvAddress, d.addr)
	ui := cli.NewMockUi()
	var help bytes.Buffer
	code := runCLIWithStdin(args, ui, &help, &help, d.stdin)
	d.stdin = nil
	return code, ui.OutputWriter.String() + help.String(), ui.ErrorWriter.String()
}

// waitUntil polls cond until it holds or within passes. Only for waiting
// on a real agent, which offers nothing to block on for these conditions.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer safe for the agent's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// writeFile writes content to name in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustRun(t *testing.T, d *devAgent, wantCode int, args ...string) string {
	t.Helper()
	code, out, errOut := d.run(t, args...)
	if code != wantCode {
		t.Fatalf("nomadish %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	return out
}

func TestDevAgentJobLifecycleJSON(t *testing.T) {
	d := startDevAgent(t)
	v0 := writeFile(t, "web.json", webJobJSON)
	v1 := writeFile(t, "web3.json", strings.Replace(webJobJSON, `"Count": 1`, `"Count": 3`, 1))

	// run: the evaluation stays pending (no scheduler yet), so -detach.
	out := mustRun(t, d, 0, "job", "run", "-detach", v0)
	if len(strings.TrimSpace(out)) != 36 {
		t.Fatalf("-detach printed %q, want an evaluation ID", out)
	}
	// Without -detach the monitor watches until its timeout.
	code, out, errOut := d.run(t, "job", "run", "-timeout=300ms", v1)
	if code != 0 && code != exitPlaceFailed || !strings.Contains(out, "==> Monitoring evaluation") {
		t.Fatalf("job run: exit %d\n%s%s", code, out, errOut)
	}

	out = mustRun(t, d, 0, "job", "status", "web")
	for _, want := range []string{"ID            = web", "Type          = service", "frontend"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, d, 0, "job", "status")
	if !strings.Contains(out, "web") {
		t.Fatalf("job list = %s", out)
	}

	out = mustRun(t, d, 0, "job", "history", "-p", "web")
	for _, want := range []string{"Version     = 1", "Version     = 0", `+/- Count: "1" => "3"`} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}

	mustRun(t, d, 0, "job", "revert", "-detach", "web", "0")
	out = mustRun(t, d, 0, "job", "inspect", "web")
	job, err := parseJobJSON("inspect", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if job.Version != 2 || job.TaskGroups[0].Count != 1 {
		t.Fatalf("after revert: version %d count %d", job.Version, job.TaskGroups[0].Count)
	}
	if _, _, errOut := d.run(t, "job", "revert", "-detach", "web", "9"); errOut == "" {
		t.Fatal("revert to a missing version printed no error")
	}

	mustRun(t, d, 0, "job", "stop", "-detach", "web")
	out = mustRun(t, d, 0, "job", "status", "web")
	if !strings.Contains(out, "(stopped)") && !strings.Contains(out, "(stopping)") {
		t.Fatalf("status after stop:\n%s", out)
	}
	mustRun(t, d, 0, "job", "stop", "-purge", "-detach", "web")
	code, _, errOut = d.run(t, "job", "status", "web")
	if code != 1 || !strings.Contains(errOut, `No job(s) with prefix or ID "web" found`) {
		t.Fatalf("status after purge: exit %d, %s", code, errOut)
	}
}

func TestDevAgentPlanExitCodes(t *testing.T) {
	d := startDevAgent(t)
	d.addNodes(t, 2)
	v0 := writeFile(t, "web.json", webJobJSON)
	v1 := writeFile(t, "web3.json", strings.Replace(webJobJSON, `"Count": 1`, `"Count": 3`, 1))
	bad := writeFile(t, "bad.json", strings.Replace(webJobJSON, `"Count": 1`, `"Count": -1`, 1))

	// A new job: changes.
	out := mustRun(t, d, 1, "job", "plan", v0)
	for _, want := range []string{`+ Job: "web"`, "Job Modify Index: 0", "nomadish job run -check-index 0 " + v0} {
		if !strings.Contains(out, want) {
			t.Errorf("plan of a new job lacks %q:\n%s", want, out)
		}
	}
	// Run it and follow the evaluation until the allocation is placed.
	out = mustRun(t, d, 0, "job", "run", "-check-index=0", v0)
	if !strings.Contains(out, `finished with status "complete"`) || !strings.Contains(out, `Allocation "`) {
		t.Errorf("job run did not follow the evaluation to completion:\n%s", out)
	}

	// The same job again: no changes.
	out = mustRun(t, d, 0, "job", "plan", v0)
	if strings.Contains(out, "+/-") {
		t.Errorf("plan of an unchanged job shows changes:\n%s", out)
	}

	// A changed count: changes, and the hint carries the current index.
	job := mustRun(t, d, 0, "job", "inspect", "web")
	parsed, err := parseJobJSON("inspect", []byte(job))
	if err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, d, 1, "job", "plan", v1)
	for _, want := range []string{`+/- Job: "web"`, `+/- Task Group: "frontend"`, `+/- Count: "1" => "3"`,
		"nomadish job run -check-index " + strconv.FormatUint(parsed.JobModifyIndex, 10) + " " + v1} {
		if !strings.Contains(out, want) {
			t.Errorf("plan of a changed job lacks %q:\n%s", want, out)
		}
	}

	// Errors: a job the server rejects, an unreachable agent.
	code, _, errOut := d.run(t, "job", "plan", bad)
	if code != 255 || !strings.Contains(errOut, `group "frontend" > count: must be 0 or more`) {
		t.Fatalf("plan of an invalid job: exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = d.run(t, "job", "plan", "-address="+deadAddress(t), v0)
	if code != 255 || !strings.Contains(errOut, "connection refused") {
		t.Fatalf("plan without agent: exit %d, stderr %s", code, errOut)
	}
}

func TestDevAgentScaleEvalValidateDispatchForce(t *testing.T) {
	d := startDevAgent(t)
	web := writeFile(t, "web.json", webJobJSON)
	mustRun(t, d, 0, "job", "run", "-detach", web)

	mustRun(t, d, 0, "job", "scale", "-detach", "web", "4")
	out := mustRun(t, d, 0, "job", "inspect", "web")
	if job, err := parseJobJSON("inspect", []byte(out)); err != nil || job.TaskGroups[0].Count != 4 {
		t.Fatalf("after scale: %v\n%s", err, out)
	}
	mustRun(t, d, 0, "job", "eval", "-detach", "-force-reschedule", "web")

	out = mustRun(t, d, 0, "job", "validate", web)
	if !strings.Contains(out, "Job validation successful") {
		t.Fatalf("validate: %s", out)
	}
	bad := writeFile(t, "bad.json", strings.Replace(webJobJSON, `"Count": 1`, `"Count": -1`, 1))
	code, _, errOut := d.run(t, "job", "validate", bad)
	if code != 1 || !strings.Contains(errOut, `group "frontend" > count: must be 0 or more`) {
		t.Fatalf("validate of an invalid job: exit %d\n%s", code, errOut)
	}

	param := writeFile(t, "param.json", `{"Job": {"ID": "resize", "Type": "batch", "Datacenters": ["dc1"],
	  "ParameterizedJob": {"Payload": "optional", "MetaRequired": ["size"]},
	  "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "mock", "Config": {"run_for": "1s"}}]}]}}`)
	mustRun(t, d, 0, "job", "run", param)
	d.setStdin(t, "payload bytes")
	out = mustRun(t, d, 0, "job", "dispatch", "-detach", "-meta", "size=10", "resize", "-")
	if !strings.Contains(out, "Dispatched Job ID = resize/dispatch-") {
		t.Fatalf("dispatch: %s", out)
	}
	child := strings.TrimSpace(strings.TrimPrefix(strings.Split(out, "\n")[0], "Dispatched Job ID ="))
	out = mustRun(t, d, 0, "job", "status", child)
	if !strings.Contains(out, child) {
		t.Fatalf("status of the dispatched child %q:\n%s", child, out)
	}
	mustRun(t, d, 0, "job", "inspect", child)

	cron := writeFile(t, "cron.json", `{"Job": {"ID": "nightly", "Type": "batch", "Datacenters": ["dc1"],
	  "Periodic": {"Enabled": true, "Spec": "0 3 * * *", "SpecType": "cron"},
	  "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{"Name": "t", "Driver": "mock", "Config": {"run_for": "1s"}}]}]}}`)
	mustRun(t, d, 0, "job", "run", cron)
	out = mustRun(t, d, 0, "job", "periodic", "force", "-detach", "nightly")
	if len(strings.TrimSpace(out)) != 36 {
		t.Fatalf("periodic force printed %q, want an evaluation ID", out)
	}
}
