package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func TestClientAllocRestartSignalStats(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web", "sidecar")
	base := api.srv.URL + "/v1/client/allocation/alloc-1/"

	if code, body := httpDo(t, "PUT", base+"restart", map[string]string{"TaskName": "web"}); code != 200 || string(body) != "{}" {
		t.Fatalf("restart: %d %s", code, body)
	}
	if code, body := httpDo(t, "POST", base+"restart", nil); code != 200 {
		t.Fatalf("restart all: %d %s", code, body)
	}
	if code, body := httpDo(t, "PUT", base+"restart", map[string]string{"TaskName": "db"}); code != 400 || !strings.Contains(string(body), "its tasks: sidecar, web") {
		t.Fatalf("restart bad task: %d %s", code, body)
	}
	a.failWith = errors.New("task web is not running")
	if code, body := httpDo(t, "PUT", base+"restart", map[string]string{"TaskName": "web"}); code != 500 || !strings.Contains(string(body), "not running") {
		t.Fatalf("restart failing: %d %s", code, body)
	}
	if got := strings.Join(a.restarts, ","); got != "web," {
		t.Fatalf("restarts = %q", got)
	}

	if code, body := httpDo(t, "PUT", base+"signal", map[string]string{"Signal": "SIGUSR1", "Task": "sidecar"}); code != 200 {
		t.Fatalf("signal: %d %s", code, body)
	}
	if code, body := httpDo(t, "PUT", base+"signal", map[string]string{"Task": "web"}); code != 400 || !strings.Contains(string(body), "missing Signal") {
		t.Fatalf("signal without signal: %d %s", code, body)
	}
	if code, body := httpDo(t, "POST", api.srv.URL+"/v1/allocation/alloc-1/signal", map[string]string{"Signal": "SIGHUP"}); code != 200 {
		t.Fatalf("signal under /v1/allocation: %d %s", code, body)
	}
	if got := strings.Join(a.signals, ","); got != "sidecar:SIGUSR1,:SIGHUP" {
		t.Fatalf("signals = %q", got)
	}

	a.stats["web"] = &plugin.TaskResourceUsage{Timestamp: sampleTime, CPUPercent: 12.5, CPUUserTicks: 30, CPUSystemTicks: 10, MemoryRSSBytes: 1 << 20, MemoryUsageBytes: 2 << 20}
	a.stats["sidecar"] = &plugin.TaskResourceUsage{Timestamp: sampleTime, CPUPercent: 2.5, MemoryRSSBytes: 1 << 20}
	code, body := get(t, base+"stats")
	var usage AllocResourceUsage
	if code != 200 || json.Unmarshal([]byte(body), &usage) != nil {
		t.Fatalf("stats: %d %s", code, body)
	}
	if usage.ResourceUsage.MemoryStats.RSS != 2<<20 || usage.ResourceUsage.CpuStats.Percent != 15 ||
		usage.Tasks["web"].ResourceUsage.CpuStats.TotalTicks != 40 || usage.Tasks["web"].Timestamp != sampleTime.UnixNano() {
		t.Fatalf("stats = %s", body)
	}
	if !strings.Contains(body, `"Measured":["RSS","Usage","Max Usage"]`) {
		t.Fatalf("stats JSON lacks Measured: %s", body)
	}
}

// TestClientAllocSignal_UnknownName: an unknown signal name is the
// caller's mistake, refused with the accepted names before any task is
// touched (issue 13, finding 8).
func TestClientAllocSignal_UnknownName(t *testing.T) {
	api, c := newClientTestAPI(t)
	a := c.addAlloc(t, "alloc-1", "web")
	base := api.srv.URL + "/v1/client/allocation/alloc-1/signal"
	for _, sig := range []string{"SIGNOPE", "HUPP", "99", "SIG", "SIGHUP\x00", strings.Repeat("X", 10000)} {
		code, body := httpDo(t, "PUT", base, map[string]string{"Signal": sig, "Task": "web"})
		if code != 400 || !strings.Contains(string(body), "unknown signal") || !strings.Contains(string(body), "SIGHUP, SIGINT") {
			t.Errorf("signal %.20q: %d %.300s", sig, code, body)
		}
		if len(body) > 2000 {
			t.Errorf("signal %.20q: the answer echoes %d bytes", sig, len(body))
		}
	}
	// Names are accepted as Nomad's CLI writes them, and as short or
	// lowercase forms, and reach the task in canonical form.
	for _, sig := range []string{"SIGUSR1", "usr2", "sigterm"} {
		if code, body := httpDo(t, "PUT", base, map[string]string{"Signal": sig, "Task": "web"}); code != 200 {
			t.Errorf("signal %q: %d %s", sig, code, body)
		}
	}
	if got := strings.Join(a.signals, ","); got != "web:SIGUSR1,web:SIGUSR2,web:SIGTERM" {
		t.Fatalf("signals = %q", got)
	}
	// A driver that cannot deliver a known signal is a 400 too.
	a.signalErr = fmt.Errorf("signal task %q: a wasm module cannot receive SIGHUP: %w", "web", plugin.ErrNotSupported)
	if code, body := httpDo(t, "PUT", base, map[string]string{"Signal": "SIGHUP", "Task": "web"}); code != 400 || !strings.Contains(string(body), "cannot receive SIGHUP") {
		t.Errorf("unsupported signal: %d %s", code, body)
	}
}
