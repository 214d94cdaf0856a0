package taskrunner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestLogmonHookDisabledLogs(t *testing.T) {
	task := mockTask("web", nil)
	task.LogConfig = &structs.LogConfig{Disabled: true}
	env := newTestEnv(t, structs.JobTypeService, task)
	h := newLogmonHook(env.allocDir, "/nonexistent", false, hclog.NewNullLogger())
	s := env.setup(task)
	req := &PrestartRequest{Setup: s}
	if err := h.Prestart(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if s.StdoutPath != os.DevNull || s.StderrPath != os.DevNull || req.HookState != nil {
		t.Fatalf("paths %q %q state %q, want /dev/null and no logmon", s.StdoutPath, s.StderrPath, req.HookState)
	}
	if err := h.Stop(context.Background(), &StopRequest{}); err != nil {
		t.Fatalf("stop without a logmon: %v", err)
	}
}

func TestLogmonHookDirect(t *testing.T) {
	task := mockTask("web", nil)
	env := newTestEnv(t, structs.JobTypeService, task)
	h := newLogmonHook(env.allocDir, "", true, hclog.NewNullLogger())
	s := env.setup(task)
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(env.allocDir.LogDir(), "web.stdout.0"); s.StdoutPath != want {
		t.Fatalf("stdout %q, want %q", s.StdoutPath, want)
	}
	if want := filepath.Join(env.allocDir.LogDir(), "web.stderr.0"); s.StderrPath != want {
		t.Fatalf("stderr %q, want %q", s.StderrPath, want)
	}
}

func TestLogmonHookLaunchFailureIsRecoverable(t *testing.T) {
	task := mockTask("web", nil)
	env := newTestEnv(t, structs.JobTypeService, task)
	h := newLogmonHook(env.allocDir, filepath.Join(t.TempDir(), "missing-binary"), false, hclog.NewNullLogger())
	err := h.Prestart(context.Background(), &PrestartRequest{Setup: env.setup(task)})
	if err == nil || setupEventType(err) != EventSetupFailure {
		t.Fatalf("launch of a missing binary: %v", err)
	}
}
