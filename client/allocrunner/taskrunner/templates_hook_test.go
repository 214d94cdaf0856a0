package taskrunner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestTemplatesHook(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"stdout_string": "${APP_PORT}"})
	task.Templates = []*structs.Template{
		{EmbeddedTmpl: `name={{ env "NOMAD_TASK_NAME" }}`, DestPath: "local/app.conf"},
		{EmbeddedTmpl: "APP_PORT=8080\n", DestPath: "secrets/app.env", Envvars: true},
	}
	env := newTestEnv(t, structs.JobTypeService, task)
	s := env.setup(task)
	if err := newEnvHook(nil, "global").Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	if err := plainTemplatesHook().Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.TaskDir.Dir, "local", "app.conf")); err != nil || string(b) != "name=web" {
		t.Fatalf("rendered %q, %v", b, err)
	}
	if s.Env.Map()["APP_PORT"] != "8080" {
		t.Fatalf("env %v, want APP_PORT from the env template", s.Env.Map())
	}
	var cfg map[string]interface{}
	if err := json.Unmarshal(s.DriverConfig, &cfg); err != nil || cfg["stdout_string"] != "8080" {
		t.Fatalf("driver config %s, want it interpolated with the template's variables", s.DriverConfig)
	}
}

func TestTemplatesHookError(t *testing.T) {
	task := mockTask("web", nil)
	task.Templates = []*structs.Template{{EmbeddedTmpl: "{{ .Broken", DestPath: "local/x"}}
	env := newTestEnv(t, structs.JobTypeService, task)
	err := plainTemplatesHook().Prestart(context.Background(), &PrestartRequest{Setup: env.setup(task)})
	if err == nil || setupEventType(err) != EventSetupFailure || !strings.Contains(err.Error(), "local/x") {
		t.Fatalf("broken template: %v", err)
	}
}

func plainTemplatesHook() *templatesHook {
	return newTemplatesHook(nil, nil, wallClock{}, 1, hclog.NewNullLogger())
}

// fakeServiceWatcher is discovery whose index moves on each set.
type fakeServiceWatcher struct {
	mu      sync.Mutex
	regs    []*structs.ServiceRegistration
	index   uint64
	changed chan struct{}
	waits   int
}

func newFakeServiceWatcher(regs ...*structs.ServiceRegistration) *fakeServiceWatcher {
	return &fakeServiceWatcher{regs: regs, index: 1, changed: make(chan struct{})}
}

func (f *fakeServiceWatcher) set(regs ...*structs.ServiceRegistration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regs, f.index = regs, f.index+1
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeServiceWatcher) ServiceNames() ([]*structs.ServiceRegistrationListStub, error) {
	return nil, nil
}

func (f *fakeServiceWatcher) ServiceInstances(name string) ([]*structs.ServiceRegistration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*structs.ServiceRegistration
	for _, r := range f.regs {
		if r.ServiceName == name {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeServiceWatcher) WaitServices(ctx context.Context, index uint64) (uint64, error) {
	for {
		f.mu.Lock()
		if index == 0 || f.index > index {
			i := f.index
			f.mu.Unlock()
			return i, nil
		}
		f.waits++
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (f *fakeServiceWatcher) waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waits
}

func upstream(id, addr string) *structs.ServiceRegistration {
	return &structs.ServiceRegistration{ID: id, ServiceName: "db", Address: addr, Port: 5432, Health: structs.ServiceHealthPassing}
}

// A template that reads discovery is rendered again when the instances
// change, and its change_mode acts on the running task.
func TestTemplateReRenderedOnServiceChange(t *testing.T) {
	for _, mode := range []string{"restart", "signal", "noop"} {
		t.Run(mode, func(t *testing.T) {
			task := mockTask("web", map[string]interface{}{"run_for": "1h"})
			task.Templates = []*structs.Template{{DestPath: "local/db.conf", ChangeMode: mode, ChangeSignal: "SIGHUP",
				EmbeddedTmpl: `{{ range nomadService "db" }}{{ .Address }}:{{ .Port }}{{ end }}`}}
			env := newTestEnv(t, structs.JobTypeService, task)
			src := newFakeServiceWatcher(upstream("a", "10.0.0.1"))
			cfg := env.config(task)
			cfg.Services = src
			tr, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			go tr.Run()
			t.Cleanup(func() { _ = tr.Kill(context.Background(), nil) })
			dest := filepath.Join(env.allocDir.TaskDir("web").Dir, "local", "db.conf")
			waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
			if b, _ := os.ReadFile(dest); string(b) != "10.0.0.1:5432" {
				t.Fatalf("first render %q", b)
			}
			waitFor(t, "the watcher waits", func() bool { return src.waiting() > 0 })
			src.set(upstream("b", "10.0.0.2"))
			waitFor(t, "the file re-rendered", func() bool { b, _ := os.ReadFile(dest); return string(b) == "10.0.0.2:5432" })
			switch mode {
			case "restart":
				waitFor(t, "a restart", func() bool { return tr.TaskState().Restarts == 1 })
				st := tr.TaskState()
				if ev := lastEventOf(st, EventRestartSignal); ev == nil || !strings.Contains(ev.Message, "Template with change_mode restart re-rendered") {
					t.Fatalf("events %q", eventTypes(st))
				}
				if st.Failed {
					t.Fatal("a template restart counted as a failure")
				}
			case "signal":
				waitFor(t, "a signal", func() bool { return lastEventOf(tr.TaskState(), EventSignaling) != nil })
				if st := tr.TaskState(); st.Restarts != 0 {
					t.Fatalf("restarts %d with change_mode signal", st.Restarts)
				}
			case "noop":
				// The watcher is waiting again: nothing else happened.
				waitFor(t, "the watcher waits again", func() bool { return src.waiting() > 1 })
				if st := tr.TaskState(); st.Restarts != 0 || lastEventOf(st, EventSignaling) != nil {
					t.Fatalf("noop acted: %q", eventTypes(st))
				}
			}
		})
	}
}

func lastEventOf(st *structs.TaskState, typ string) *structs.TaskEvent {
	for i := len(st.Events) - 1; i >= 0; i-- {
		if st.Events[i].Type == typ {
			return st.Events[i]
		}
	}
	return nil
}

// change_mode = "script" runs change_script in the task; with
// fail_on_error a failing script kills the task, and the event says why.
func TestTemplateChangeScriptFailOnError(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	task.Templates = []*structs.Template{{DestPath: "local/db.conf", ChangeMode: "script",
		ChangeScript: &structs.ChangeScript{Command: "exit", Args: []string{"3"}, FailOnError: true},
		EmbeddedTmpl: `{{ range nomadService "db" }}{{ .Address }}{{ end }}`}}
	env := newTestEnv(t, structs.JobTypeService, task)
	src := newFakeServiceWatcher(upstream("a", "10.0.0.1"))
	cfg := env.config(task)
	cfg.Services = src
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go tr.Run()
	t.Cleanup(func() { _ = tr.Kill(context.Background(), nil) })
	waitFor(t, "running", func() bool { return tr.TaskState().State == structs.TaskStateRunning })
	waitFor(t, "the watcher waits", func() bool { return src.waiting() > 0 })
	src.set(upstream("b", "10.0.0.2"))
	waitFor(t, "the task killed", func() bool { return tr.TaskState().State == structs.TaskStateDead })
	st := tr.TaskState()
	found := false
	for _, ev := range st.Events {
		found = found || strings.Contains(ev.Message, "Template change_script exit failed: exit code 3 (fail_on_error)")
	}
	if !found || !st.Failed {
		t.Fatalf("state failed=%v events %q, want the change_script failure", st.Failed, eventTypes(st))
	}
}
