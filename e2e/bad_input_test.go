//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// invalidJob has no ID and a negative count: two problems the server must
// report together, each with its field path.
const invalidJob = `{"Job": {
  "Type": "service",
  "Datacenters": ["dc1"],
  "TaskGroups": [{
    "Name": "g",
    "Count": -1,
    "Tasks": [{"Name": "t", "Driver": "mock", "Config": {"run_for": "1h"}}]
  }]
}}
`

var wordID = regexp.MustCompile(`\bID\b`)

// TestBadInputGetsClearErrors sends a dev agent malformed and invalid input
// over HTTP and through the CLI, and checks that each answer has the right
// status and says what was wrong and where.
func TestBadInputGetsClearErrors(t *testing.T) {
	dev := startServer(t, "dev", 0, serverOpts{Dev: true})
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		l, err := dev.client(2 * time.Second).Status().Leader()
		if err != nil || l == "" {
			return false, fmt.Sprintf("dev agent has no leader yet (%q, %v)", l, err)
		}
		return true, ""
	})

	t.Run("malformed JSON", func(t *testing.T) {
		code, body := rawRequest(t, http.MethodPost, dev.httpAddr()+"/v1/jobs", `{"Job": {"ID": "broken", "TaskGroups": [`)
		expectStatus(t, code, http.StatusBadRequest, body)
		lower := strings.ToLower(body)
		if !strings.Contains(lower, "json") && !strings.Contains(lower, "eof") && !strings.Contains(lower, "syntax") {
			t.Errorf("400 body does not say the JSON is malformed: %q", body)
		}
	})

	t.Run("wrong JSON type", func(t *testing.T) {
		code, body := rawRequest(t, http.MethodPost, dev.httpAddr()+"/v1/jobs",
			`{"Job": {"ID": "typed", "TaskGroups": [{"Name": "g", "Count": "one"}]}}`)
		expectStatus(t, code, http.StatusBadRequest, body)
		if !strings.Contains(body, "Count") {
			t.Errorf("400 body does not name the mistyped field Count: %q", body)
		}
	})

	for _, method := range []string{http.MethodPut, http.MethodPost} {
		t.Run("invalid job "+method, func(t *testing.T) {
			code, body := rawRequest(t, method, dev.httpAddr()+"/v1/jobs", invalidJob)
			expectStatus(t, code, http.StatusBadRequest, body)
			if !wordID.MatchString(body) {
				t.Errorf("400 body does not name the missing ID: %q", body)
			}
			if !strings.Contains(body, `group "g" > count`) {
				t.Errorf("400 body does not name the group's count as the job file writes it: %q", body)
			}
		})
	}

	t.Run("missing job", func(t *testing.T) {
		code, body := rawRequest(t, http.MethodGet, dev.httpAddr()+"/v1/job/missing", "")
		expectStatus(t, code, http.StatusNotFound, body)
	})

	for _, path := range []string{"/v1/jobs", "/v1/status/leader"} {
		t.Run("unknown region "+path, func(t *testing.T) {
			code, body := rawRequest(t, http.MethodGet, dev.httpAddr()+path+"?region=nowhere", "")
			expectStatus(t, code, http.StatusBadRequest, body)
			if !strings.Contains(body, "global") {
				t.Errorf("400 body does not name the known region global: %q", body)
			}
			if !strings.Contains(body, "nowhere") {
				t.Errorf("400 body does not name the region asked for, nowhere: %q", body)
			}
		})
	}

	t.Run("CLI invalid job", func(t *testing.T) {
		code, out := runCLI(t, dev, "bad.json", invalidJob, "job", "run", "bad.json")
		if code == 0 {
			t.Fatalf("nomadish job run bad.json exited 0, want non-zero; output:\n%s", out)
		}
		t.Logf("exit %d:\n%s", code, out)
		if !wordID.MatchString(out) || !strings.Contains(out, `group "g" > count`) {
			t.Errorf("nomadish job run bad.json (exit %d) does not print the paths job ID and group \"g\" > count:\n%s", code, out)
		}
	})

	t.Run("CLI malformed file", func(t *testing.T) {
		code, out := runCLI(t, dev, "broken.json", "{\n  \"Job\": {\n    \"ID\": \"x\",,\n  }\n}\n", "job", "run", "broken.json")
		if code == 0 {
			t.Fatalf("nomadish job run broken.json exited 0, want non-zero; output:\n%s", out)
		}
		t.Logf("exit %d:\n%s", code, out)
		if !strings.Contains(out, "broken.json:3:") {
			t.Errorf("nomadish job run broken.json (exit %d) does not point at line 3 of the file:\n%s", code, out)
		}
	})
}

func expectStatus(t *testing.T, got, want int, body string) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d; body: %q", got, want, body)
	}
	t.Logf("%d: %s", got, strings.TrimSpace(body))
	if want >= 400 && strings.TrimSpace(body) == "" {
		t.Errorf("status %d with an empty body; want a message saying what is wrong", got)
	}
}

// rawRequest sends body (if any) as JSON and returns the status and body.
func rawRequest(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatalf("build %s %s: %v", method, url, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// runCLI writes content to file in a fresh directory and runs the nomadish
// CLI there with args and NOMADISH_ADDR pointing at a, bounded in time. It
// returns the exit code and the combined output.
func runCLI(t testing.TB, a *agentProc, file, content string, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		t.Fatalf("write %s: %v", file, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NOMADISH_ADDR="+a.httpAddr())
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case ctx.Err() != nil:
		t.Fatalf("nomadish %s did not finish within 30s; output:\n%s", strings.Join(args, " "), out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	default:
		t.Fatalf("run nomadish %s: %v", strings.Join(args, " "), err)
	}
	return 0, ""
}
