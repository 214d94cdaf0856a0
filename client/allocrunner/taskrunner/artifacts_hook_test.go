package taskrunner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestArtifactsHook(t *testing.T) {
	roots := t.TempDir()
	writeFile(t, filepath.Join(roots, "a.txt"), "A")
	task := mockTask("web", nil)
	task.Artifacts = []*structs.TaskArtifact{{GetterSource: filepath.Join(roots, "a.txt")}}
	env := newTestEnv(t, structs.JobTypeService, task)
	var events []*structs.TaskEvent
	h := newArtifactsHook(&artifact.Getter{FileRoots: []string{roots}}, env.allocDir, func(ev *structs.TaskEvent) { events = append(events, ev) })

	s := env.setup(task)
	req := &PrestartRequest{Setup: s}
	if err := h.Prestart(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.TaskDir.LocalDir, "a.txt")); err != nil || string(b) != "A" {
		t.Fatalf("artifact %q, %v", b, err)
	}
	if string(req.HookState) != "done" || len(events) != 1 || events[0].Type != EventDownloadingArtifacts {
		t.Fatalf("state %q events %+v", req.HookState, events)
	}

	// Once done, a restart does not fetch again, even if the source is gone.
	os.Remove(filepath.Join(roots, "a.txt"))
	again := &PrestartRequest{Setup: env.setup(task), HookState: req.HookState}
	if err := h.Prestart(context.Background(), again); err != nil {
		t.Fatalf("second prestart fetched again: %v", err)
	}
}

func TestArtifactsHookRefusesEscape(t *testing.T) {
	roots := t.TempDir()
	writeFile(t, filepath.Join(roots, "a.txt"), "A")
	task := mockTask("web", nil)
	task.Artifacts = []*structs.TaskArtifact{{GetterSource: filepath.Join(roots, "a.txt"), RelativeDest: "../../x"}}
	env := newTestEnv(t, structs.JobTypeService, task)
	h := newArtifactsHook(&artifact.Getter{FileRoots: []string{roots}}, env.allocDir, func(*structs.TaskEvent) {})
	req := &PrestartRequest{Setup: env.setup(task)}
	err := h.Prestart(context.Background(), req)
	if err == nil || setupEventType(err) != EventArtifactDownloadFailed || plugin.IsRecoverable(err) {
		t.Fatalf("escape: %v, want an unrecoverable Failed Artifact Download", err)
	}
	if req.HookState != nil {
		t.Fatal("a failed download was marked done")
	}
}

func TestRetryable(t *testing.T) {
	if retryable(fmt.Errorf("x: %w", allocdir.ErrEscapes)) || retryable(artifact.ErrFileSourceNotAllowed) {
		t.Fatal("permanent errors are retryable")
	}
	if !retryable(fmt.Errorf("connection refused")) || !retryable(artifact.ErrChecksum) {
		t.Fatal("a network error or checksum mismatch should be retried")
	}
}
