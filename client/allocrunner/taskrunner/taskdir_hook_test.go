package taskrunner

import (
	"context"
	"os"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestTaskDirHook(t *testing.T) {
	task := mockTask("web", nil)
	env := newTestEnv(t, structs.JobTypeService, task)
	var got []*structs.TaskEvent
	h := newTaskDirHook(env.allocDir, func(ev *structs.TaskEvent) { got = append(got, ev) })

	s := &Setup{Task: task}
	req := &PrestartRequest{Setup: s}
	if err := h.Prestart(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if s.TaskDir.LocalDir == "" || s.TaskDir.SecretsDir == "" {
		t.Fatalf("task dir %+v", s.TaskDir)
	}
	if fi, err := os.Stat(s.TaskDir.LocalDir); err != nil || !fi.IsDir() {
		t.Fatalf("local dir: %v", err)
	}
	if len(got) != 1 || got[0].Type != EventTaskSetup {
		t.Fatalf("events %+v, want one Task Setup", got)
	}
	// A restart (state persisted) builds again without a new event.
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: &Setup{Task: task}, HookState: req.HookState}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d events after a restart, want 1", len(got))
	}
}
