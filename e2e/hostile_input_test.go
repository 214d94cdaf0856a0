//go:build e2e && linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileRSSBound is the most memory the dev agent may hold at any point
// of TestHostileInputLeavesAgentStanding. An idle dev agent holds well
// under 100 MiB; each finding of the hardening issue grew it past 1 GiB.
const hostileRSSBound = 512 << 20

// attack is one hostile request and what it must get.
type attack struct {
	name   string
	method string
	path   string
	body   string
	header map[string]string
	// want is the status, or 0 for any 4xx.
	want int
	// says is text the answer must contain; hide is text it must not
	// (a secret, a host path).
	says, hide []string
}

// TestHostileInputLeavesAgentStanding sends a dev agent every request the
// hardening issue found could crash it, grow it without bound, poison its
// node or leak its secrets. After each it checks that the agent still
// answers, that its RSS stayed under hostileRSSBound and that nothing in
// its log is a recovered panic; at the end, that a job registered after
// all of it still runs on the node.
func TestHostileInputLeavesAgentStanding(t *testing.T) {
	dir := t.TempDir()
	allocRoot := filepath.Join(dir, "allocs")
	dev := startServer(t, "dev", 0, serverOpts{Dev: true, Extra: fmt.Sprintf("client {\n  alloc_dir = %q\n}\n", allocRoot)})
	waitForLeader(t, dev)

	// A running allocation, for the filesystem findings.
	send(t, dev, attack{name: "register web", method: "PUT", path: "/v1/jobs", body: mockServiceJob("web", 1), want: 200})
	allocID := waitRunningAlloc(t, dev, "web")
	allocDir := filepath.Join(allocRoot, allocID)
	prepareAllocDir(t, allocDir)

	var attacks []attack
	attacks = append(attacks, parseAttacks()...)
	attacks = append(attacks, countAttacks()...)
	attacks = append(attacks, configDepthAttacks()...)
	attacks = append(attacks, nullEntryAttacks()...)
	attacks = append(attacks, fsAttacks(allocID, allocDir)...)
	attacks = append(attacks, crossSiteAttacks()...)

	for _, a := range attacks {
		a := a
		if len(a.hide) == 0 {
			// No answer may reveal where the client keeps its files.
			a.hide = []string{dir}
		} else {
			a.hide = append(a.hide, dir)
		}
		t.Run(a.name, func(t *testing.T) {
			send(t, dev, a)
			checkStanding(t, dev)
		})
	}

	// The logs endpoint through an alloc/logs that was replaced by a
	// symlink to a directory outside the allocation: last, since it takes
	// the task's logs away.
	t.Run("logs through a symlinked logs dir", func(t *testing.T) {
		outside := filepath.Join(dir, "outside")
		must(t, os.MkdirAll(outside, 0o755))
		must(t, os.WriteFile(filepath.Join(outside, "t.stdout.0"), []byte("outside-secret\n"), 0o644))
		logs := filepath.Join(allocDir, "alloc", "logs")
		must(t, os.RemoveAll(logs))
		must(t, os.Symlink(outside, logs))
		send(t, dev, attack{method: "GET", path: "/v1/client/fs/logs/" + allocID + "?task=t&type=stdout&plain=true&origin=start",
			hide: []string{"outside-secret", dir}})
		send(t, dev, attack{method: "GET", path: "/v1/client/fs/cat/" + allocID + "?path=alloc/logs/t.stdout.0",
			hide: []string{"outside-secret", dir}})
		checkStanding(t, dev)
	})

	// CLI: job validate of a file nested 100,000 levels deep.
	t.Run("job validate of a deep file", func(t *testing.T) {
		code, out := runCLI(t, dev, "deep.hcl", `job "deep" { meta { a = `+strings.Repeat("(", 100000)+"1"+strings.Repeat(")", 100000)+" } }\n",
			"job", "validate", "deep.hcl")
		if code == 0 || !strings.Contains(out, "deep.hcl:1:") {
			t.Fatalf("job validate exited %d; want a failure naming the place in deep.hcl:\n%.2000s", code, out)
		}
		checkStanding(t, dev)
	})

	// The node was not poisoned: a job registered after all of the above
	// gets its allocation running.
	send(t, dev, attack{name: "register after", method: "PUT", path: "/v1/jobs", body: mockServiceJob("after", 1), want: 200})
	waitRunningAlloc(t, dev, "after")
	checkStanding(t, dev)
	t.Logf("%d hostile requests; the agent's RSS peaked at %d MiB (bound %d MiB)", len(attacks), peakRSS>>20, hostileRSSBound>>20)
}

// peakRSS is the most the agent held at any checkStanding.
var peakRSS int64

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitForLeader(t testing.TB, a *agentProc) {
	t.Helper()
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		l, err := a.client(2 * time.Second).Status().Leader()
		if err != nil || l == "" {
			return false, fmt.Sprintf("no leader yet (%q, %v)", l, err)
		}
		return true, ""
	})
}

func mockServiceJob(id string, count int) string {
	return mockJobWithConfig(id, count, `{"run_for": "1h"}`)
}

func mockJobWithConfig(id string, count int, config string) string {
	return fmt.Sprintf(`{"Job": {"ID": %q, "Name": %q, "Type": "service", "Datacenters": ["dc1"],
  "TaskGroups": [{"Name": "g", "Count": %d, "Tasks": [{"Name": "t", "Driver": "mock", "Config": %s}]}]}}`, id, id, count, config)
}

// waitRunningAlloc waits for a running allocation of job and returns its ID.
func waitRunningAlloc(t *testing.T, a *agentProc, job string) string {
	t.Helper()
	var id string
	waitFor(t, 60*time.Second, 200*time.Millisecond, func() (bool, string) {
		code, body := hostileDo(t, a, attack{method: "GET", path: "/v1/job/" + job + "/allocations"})
		if code != 200 {
			return false, fmt.Sprintf("allocations of %s: %d %s", job, code, body)
		}
		var allocs []struct{ ID, ClientStatus string }
		if err := json.Unmarshal([]byte(body), &allocs); err != nil {
			return false, err.Error()
		}
		for _, al := range allocs {
			if al.ClientStatus == "running" {
				id = al.ID
				return true, ""
			}
		}
		return false, fmt.Sprintf("no running allocation of %s yet: %s", job, body)
	})
	return id
}

// prepareAllocDir lays the traps the filesystem findings need: a secret,
// a symlink to the secrets dir, a symlink loop, a regular file and a FIFO.
func prepareAllocDir(t *testing.T, allocDir string) {
	t.Helper()
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		_, err := os.Stat(filepath.Join(allocDir, "t", "secrets"))
		return err == nil, fmt.Sprintf("task secrets dir: %v", err)
	})
	data := filepath.Join(allocDir, "alloc", "data")
	must(t, os.WriteFile(filepath.Join(allocDir, "t", "secrets", "token"), []byte("s3cret-token\n"), 0o600))
	must(t, os.Symlink("../../t/secrets", filepath.Join(data, "to-secrets")))
	must(t, os.Symlink(filepath.Join(allocDir, "t", "secrets", "token"), filepath.Join(data, "abs-token")))
	must(t, os.Symlink("loop", filepath.Join(data, "loop")))
	must(t, os.WriteFile(filepath.Join(data, "file.txt"), []byte("hello\n"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(data, "fifo"), 0o644))
}

// nest wraps inner in n levels of open and close.
func nest(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

func parseBody(hcl string) string {
	b, _ := json.Marshal(map[string]string{"JobHCL": hcl})
	return string(b)
}

// Findings 1 and 7: job files that overflowed the parser's stack or
// burned CPU and memory.
func parseAttacks() []attack {
	const deep = 100000
	meta := func(expr string) string { return `job "x" { meta { a = ` + expr + " } }" }
	var out []attack
	for _, c := range []struct{ name, hcl string }{
		{"parentheses", meta(nest("(", "1", ")", deep))},
		{"brackets", meta(nest("[", "1", "]", deep))},
		{"objects", meta(nest("{a=", "1", "}", deep))},
		{"not", meta(strings.Repeat("!", deep) + "true")},
		{"minus", meta(strings.Repeat("-", deep) + "1")},
		{"templates", meta(nest(`"${`, "1", `}"`, deep))},
		{"blocks", `job "x" { ` + nest("a { ", "", "} ", deep) + " }"},
		{"huge exponent", meta("1e10000000")},
		{"huger exponent", meta("1e100000000")},
		{"for cubed", `locals { r = range(1000) }
job "x" { meta { a = jsonencode([for a in local.r : [for b in local.r : [for c in local.r : c]]]) } }`},
	} {
		out = append(out, attack{name: "parse " + c.name, method: "PUT", path: "/v1/jobs/parse", body: parseBody(c.hcl), want: 400})
	}
	return out
}

// Finding 2: counts that grew the agent past 5 GB.
func countAttacks() []attack {
	huge := mockServiceJob("web", 1)
	huge = strings.Replace(huge, `"Count": 1`, `"Count": 9223372036854775807`, 1)
	return []attack{
		{name: "scale to 2^31", method: "PUT", path: "/v1/job/web/scale", body: `{"Count": 2147483648, "Target": {"Group": "g"}}`, want: 400},
		{name: "scale to a million", method: "PUT", path: "/v1/job/web/scale", body: `{"Count": 1000000, "Target": {"Group": "g"}}`, want: 400},
		{name: "plan count 2^63-1", method: "PUT", path: "/v1/job/web/plan", body: huge, want: 400},
		{name: "register count 2^63-1", method: "PUT", path: "/v1/jobs", body: huge, want: 400},
	}
}

// Finding 3: task Configs nested around msgpack's depth limit, which were
// accepted and then poisoned the node or failed after commit.
func configDepthAttacks() []attack {
	var out []attack
	for _, depth := range []int{1017, 1018, 1019, 100000} {
		cfg := nest(`{"a":`, "1", "}", depth)
		body := mockJobWithConfig(fmt.Sprintf("deep%d", depth), 1, cfg)
		for _, ep := range []struct{ method, path string }{
			{"PUT", "/v1/jobs"},
			{"PUT", fmt.Sprintf("/v1/job/deep%d/plan", depth)},
			{"PUT", "/v1/validate/job"},
		} {
			out = append(out, attack{name: fmt.Sprintf("config depth %d %s", depth, ep.path), method: ep.method, path: ep.path, body: body})
		}
	}
	return out
}

// Finding 4: null entries in lists that canonicalize dereferenced.
func nullEntryAttacks() []attack {
	var out []attack
	for _, body := range []struct{ name, json string }{
		{"null group", `{"Job": {"ID": "nul", "Name": "nul", "Type": "service", "Datacenters": ["dc1"], "TaskGroups": [null]}}`},
		{"null task", `{"Job": {"ID": "nul", "Name": "nul", "Type": "service", "Datacenters": ["dc1"], "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [null]}]}}`},
	} {
		for _, path := range []string{"/v1/jobs", "/v1/job/nul", "/v1/job/nul/plan"} {
			out = append(out, attack{name: body.name + " " + path, method: "PUT", path: path, body: body.json, want: 400, says: []string{"null; want"}})
		}
		// Validate answers 200 with the problems listed, as Nomad's does.
		out = append(out, attack{name: body.name + " validate", method: "PUT", path: "/v1/validate/job", body: body.json, want: 200,
			says: []string{"ValidationErrors", "null; want"}})
	}
	return out
}

// Findings 5, 6 and 8: the filesystem API.
func fsAttacks(allocID, allocDir string) []attack {
	fs := func(op, query string) string { return "/v1/client/fs/" + op + "/" + allocID + "?" + query }
	secret := []string{"s3cret-token"}
	var out []attack
	for _, p := range []string{"t/secrets/token", "t/secrets", "t/secrets/", "t/./secrets/token", "alloc/../t/secrets/token",
		"alloc/data/to-secrets/token", "alloc/data/abs-token", "alloc/data/to-secrets"} {
		for _, op := range []string{"cat", "readat", "stream", "stat", "ls"} {
			q := "path=" + p
			if op == "readat" {
				q += "&offset=0&limit=100"
			}
			if op == "stream" {
				q += "&follow=false"
			}
			out = append(out, attack{name: "secrets " + op + " " + p, method: "GET", path: fs(op, q), want: 403, hide: secret})
		}
	}
	for _, op := range []string{"stat", "cat", "readat", "stream", "ls"} {
		q := "path=alloc/data/loop"
		if op == "readat" {
			q += "&offset=0&limit=10"
		}
		out = append(out, attack{name: "symlink loop " + op, method: "GET", path: fs(op, q)})
	}
	for _, p := range []string{"alloc/data/file.txt", "alloc/data/fifo", "/dev/null"} {
		out = append(out, attack{name: "ls non-directory " + p, method: "GET", path: fs("ls", "path="+p)})
	}
	for _, op := range []string{"cat", "readat", "stream"} {
		q := "path=alloc/data/fifo"
		if op == "readat" {
			q += "&offset=0&limit=10"
		}
		out = append(out, attack{name: "fifo " + op, method: "GET", path: fs(op, q)})
	}
	for _, q := range []string{"offset=9223372036854775807&limit=10", "offset=-1&limit=10", "offset=0&limit=9223372036854775807", "offset=0&limit=-5"} {
		out = append(out, attack{name: "readat " + q, method: "GET", path: fs("readat", "path=alloc/data/file.txt&"+q)})
	}
	out = append(out, attack{name: "signal unknown", method: "PUT", path: "/v1/client/allocation/" + allocID + "/signal",
		body: `{"Signal": "SIGNOPE", "Task": "t"}`, want: 400, says: []string{"SIGNOPE"}})
	return out
}

// Findings 9 and 10: writes from other sites, unknown namespaces and
// pprof on other methods.
func crossSiteAttacks() []attack {
	job := mockServiceJob("csrf", 1)
	return []attack{
		{name: "text/plain from another origin", method: "POST", path: "/v1/jobs", body: job,
			header: map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, want: 403},
		{name: "text/plain", method: "POST", path: "/v1/jobs", body: job, header: map[string]string{"Content-Type": "text/plain"}, want: 415},
		{name: "json from a rebound name", method: "POST", path: "/v1/jobs", body: job,
			header: map[string]string{"Content-Type": "application/json", "Host": "evil.example:4646", "Origin": "http://evil.example:4646"},
			want:   403, says: []string{"DNS rebinding"}},
		{name: "csrf job absent", method: "GET", path: "/v1/job/csrf", want: 404},
		{name: "namespace in job", method: "PUT", path: "/v1/jobs", body: strings.Replace(job, `"ID": "csrf"`, `"ID": "csrf", "Namespace": "nope"`, 1), want: 400, says: []string{"default"}},
		{name: "namespace in query", method: "PUT", path: "/v1/jobs?namespace=nope", body: job, want: 400, says: []string{"default"}},
		{name: "pprof POST", method: "POST", path: "/debug/pprof/symbol", body: "main.main", want: 405},
	}
}

// hostileDo sends a and returns the status and body.
func hostileDo(t *testing.T, a *agentProc, at attack) (int, string) {
	t.Helper()
	var body io.Reader
	if at.body != "" {
		body = strings.NewReader(at.body)
	}
	req, err := http.NewRequest(at.method, a.httpAddr()+at.path, body)
	if err != nil {
		t.Fatalf("build %s %s: %v", at.method, at.path, err)
	}
	for k, v := range at.header {
		if k == "Host" {
			req.Host = v // a name that resolves to the agent (DNS rebinding)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %.200s: %v (the agent did not answer)\n%s", at.method, at.path, err, a.logTail())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("%s %.200s: read body: %v", at.method, at.path, err)
	}
	return resp.StatusCode, string(b)
}

// send sends one attack and checks its answer.
func send(t *testing.T, a *agentProc, at attack) {
	t.Helper()
	code, body := hostileDo(t, a, at)
	short := body
	if len(short) > 300 {
		short = short[:300] + "…"
	}
	switch {
	case at.want != 0 && code != at.want:
		t.Errorf("%s %.200s: status %d, want %d; body: %s", at.method, at.path, code, at.want, short)
	case at.want == 0 && (code < 400 || code >= 500):
		t.Errorf("%s %.200s: status %d, want a 4xx; body: %s", at.method, at.path, code, short)
	}
	if code >= 400 && strings.TrimSpace(body) == "" {
		t.Errorf("%s %.200s: status %d with an empty body; want a message saying what was wrong", at.method, at.path, code)
	}
	for _, s := range at.says {
		if !strings.Contains(body, s) {
			t.Errorf("%s %.200s: answer %q lacks %q", at.method, at.path, short, s)
		}
	}
	for _, s := range at.hide {
		if strings.Contains(body, s) {
			t.Errorf("%s %.200s: answer reveals %q: %s", at.method, at.path, s, short)
		}
	}
}

// checkStanding fails unless the agent answers, holds less than
// hostileRSSBound and has logged no recovered panic.
func checkStanding(t *testing.T, a *agentProc) {
	t.Helper()
	if !a.running() {
		t.Fatalf("the agent died: %v\n%s", a.exitError(), a.logTail())
	}
	if code, body := hostileDo(t, a, attack{method: "GET", path: "/v1/agent/self"}); code != 200 {
		t.Fatalf("agent/self: %d %s", code, body)
	}
	rss := processRSS(t, a.pid())
	peakRSS = max(peakRSS, rss)
	if rss > hostileRSSBound {
		t.Fatalf("agent RSS %d MiB, over the bound of %d MiB", rss>>20, hostileRSSBound>>20)
	}
	b, err := os.ReadFile(a.log)
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{"recovered panic", "panic:", "fatal error:"} {
		if i := strings.Index(string(b), marker); i >= 0 {
			end := min(len(b), i+2000)
			t.Fatalf("the agent's log has %q:\n%s", marker, b[i:end])
		}
	}
}

// processRSS reads VmRSS of pid from /proc, in bytes.
func processRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read status of pid %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
