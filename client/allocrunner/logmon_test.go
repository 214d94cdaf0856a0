//go:build linux

package allocrunner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nomadish/nomadish/client/logmon"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestRealLogmonSurvivesRestore runs a task's output through a real
// logmon process (this test binary), leaves it running across an agent
// restart, re-attaches to the same process and stops it on Destroy.
func TestRealLogmonSurvivesRestore(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	alloc := testAlloc(structs.JobTypeService, mockTask("web", map[string]interface{}{
		"run_for": "1h", "stdout_string": "hello from ${NOMAD_TASK_NAME}\n",
	}))
	cfg := h.config(alloc)
	cfg.DisableLogmon = false
	cfg.LogmonBinary = exe
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go ar.Run()
	waitFor(t, "running", clientStatusIs(ar, structs.AllocClientStatusRunning))

	handle := func() *logmon.Handle {
		ls, err := h.db.GetLocalTaskState(alloc.ID, "web")
		if err != nil || ls == nil || ls.Hooks["logmon"] == nil {
			t.Fatalf("logmon hook state %+v, %v", ls, err)
		}
		var lh logmon.Handle
		if err := json.Unmarshal(ls.Hooks["logmon"], &lh); err != nil {
			t.Fatal(err)
		}
		return &lh
	}
	first := handle()
	t.Cleanup(func() { _ = first.Stop(5 * time.Second) })
	logFile := filepath.Join(ar.AllocDir().LogDir(), "web.stdout.0")
	waitFor(t, "the output in the log file", func() bool {
		b, _ := os.ReadFile(logFile)
		return string(b) == "hello from web\n"
	})

	ar.Shutdown()
	if err := logmon.Reattach(first); err != nil {
		t.Fatalf("logmon gone after agent shutdown: %v", err)
	}

	ar2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ar2.Restore(); err != nil {
		t.Fatal(err)
	}
	go ar2.Run()
	waitFor(t, "running", clientStatusIs(ar2, structs.AllocClientStatusRunning))
	if got := handle(); got.PID != first.PID {
		t.Fatalf("logmon pid %d after restore, want the same %d", got.PID, first.PID)
	}

	ar2.Destroy()
	if err := logmon.Reattach(first); err == nil {
		t.Fatal("logmon still running after Destroy")
	}
}
