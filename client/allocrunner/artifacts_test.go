package allocrunner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestArtifactEscapeIsRefused(t *testing.T) {
	h := newHarness(t)
	roots := t.TempDir()
	src := filepath.Join(roots, "payload.txt")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := mockTask("work", map[string]interface{}{"run_for": "0s"})
	task.Artifacts = []*structs.TaskArtifact{{GetterSource: src, RelativeDest: "../../../escaped"}}
	alloc := testAlloc(structs.JobTypeBatch, task)
	cfg := h.config(alloc)
	cfg.Getter = &artifact.Getter{FileRoots: []string{roots}}
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go ar.Run()
	t.Cleanup(ar.Shutdown)
	waitFor(t, "failed", clientStatusIs(ar, structs.AllocClientStatusFailed))
	st := taskState(ar, "work")
	ev := findEvent(st, taskrunner.EventArtifactDownloadFailed)
	if ev == nil || !ev.FailsTask || !strings.Contains(ev.Message, "escapes") {
		t.Fatalf("artifact event %+v in %q", ev, events(st))
	}
	if st.Restarts != 0 || len(h.driver.started()) != 0 {
		t.Fatalf("restarts %d starts %d, want neither for an escape", st.Restarts, len(h.driver.started()))
	}
	if _, err := os.Stat(filepath.Join(h.dir, "escaped")); !os.IsNotExist(err) {
		t.Fatalf("artifact written outside the alloc dir: %v", err)
	}
}

func TestArtifactDownloadedOnce(t *testing.T) {
	h := newHarness(t)
	roots := t.TempDir()
	src := filepath.Join(roots, "app.conf")
	if err := os.WriteFile(src, []byte("port=8080"), 0o644); err != nil {
		t.Fatal(err)
	}
	task := mockTask("work", map[string]interface{}{"run_for": "0s"})
	task.Artifacts = []*structs.TaskArtifact{{GetterSource: src}}
	alloc := testAlloc(structs.JobTypeBatch, task)
	cfg := h.config(alloc)
	cfg.Getter = &artifact.Getter{FileRoots: []string{roots}}
	ar, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go ar.Run()
	t.Cleanup(ar.Shutdown)
	waitFor(t, "complete", clientStatusIs(ar, structs.AllocClientStatusComplete))
	got, err := os.ReadFile(filepath.Join(ar.AllocDir().TaskDir("work").LocalDir, "app.conf"))
	if err != nil || string(got) != "port=8080" {
		t.Fatalf("artifact %q, %v", got, err)
	}
	ls, err := h.db.GetLocalTaskState(alloc.ID, "work")
	if err != nil || ls == nil || string(ls.Hooks["artifacts"]) != "done" {
		t.Fatalf("artifacts hook state %+v, %v; want done", ls, err)
	}
	if findEvent(taskState(ar, "work"), taskrunner.EventDownloadingArtifacts) == nil {
		t.Fatal("no Downloading Artifacts event")
	}
}
