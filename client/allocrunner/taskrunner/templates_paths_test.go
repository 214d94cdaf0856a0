package taskrunner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// isolatedSetup is a setup whose driver isolates the task's file system,
// so the task sees /alloc, /local and /secrets.
func isolatedSetup(t *testing.T, env *testEnv, task *structs.Task) *Setup {
	t.Helper()
	s := env.setup(task)
	s.Capabilities = &plugin.Capabilities{FSIsolation: "image"}
	if err := newEnvHook(nil, "global").Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	if got := s.Env.Map()["NOMAD_ALLOC_DIR"]; got != "/alloc" {
		t.Fatalf("NOMAD_ALLOC_DIR = %q, want the task's view /alloc", got)
	}
	return s
}

// TestTemplatesHookInterpolatesPaths: destinations and sources written
// with the task's variables land where Nomad puts them, whether or not the
// driver isolates the file system, while the template's own data sees the
// variables as the task does.
func TestTemplatesHookInterpolatesPaths(t *testing.T) {
	task := mockTask("web", nil)
	task.Templates = []*structs.Template{
		{EmbeddedTmpl: `dir={{ env "NOMAD_ALLOC_DIR" }}`, DestPath: "${NOMAD_ALLOC_DIR}/config.yml"},
		{EmbeddedTmpl: "task", DestPath: "${NOMAD_TASK_DIR}/x"},
		{EmbeddedTmpl: "secret", DestPath: "${NOMAD_SECRETS_DIR}/token"},
		{EmbeddedTmpl: "indexed", DestPath: "local/${NOMAD_ALLOC_INDEX}.conf"},
		{SourcePath: "${NOMAD_TASK_DIR}/x", DestPath: "local/copy"},
	}
	env := newTestEnv(t, structs.JobTypeService, task)
	s := isolatedSetup(t, env, task)
	if err := plainTemplatesHook().Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(s.TaskDir.SharedAllocDir, "config.yml"): "dir=/alloc",
		filepath.Join(s.TaskDir.LocalDir, "x"):                "task",
		filepath.Join(s.TaskDir.SecretsDir, "token"):          "secret",
		filepath.Join(s.TaskDir.LocalDir, "0.conf"):           "indexed",
		filepath.Join(s.TaskDir.LocalDir, "copy"):             "task",
	} {
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", path, b, err, want)
		}
	}
}

// TestArtifactsHookInterpolatesDestination: an artifact's destination
// under ${NOMAD_ALLOC_DIR} is the shared directory on the host, also for
// a driver that isolates the file system.
func TestArtifactsHookInterpolatesDestination(t *testing.T) {
	roots := t.TempDir()
	writeFile(t, filepath.Join(roots, "a.txt"), "A")
	task := mockTask("web", nil)
	task.Artifacts = []*structs.TaskArtifact{{GetterSource: filepath.Join(roots, "a.txt"), RelativeDest: "${NOMAD_ALLOC_DIR}/data"}}
	env := newTestEnv(t, structs.JobTypeService, task)
	s := isolatedSetup(t, env, task)
	h := newArtifactsHook(&artifact.Getter{FileRoots: []string{roots}}, env.allocDir, func(*structs.TaskEvent) {})
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.TaskDir.SharedAllocDir, "data", "a.txt")); err != nil || string(b) != "A" {
		t.Fatalf("artifact %q, %v", b, err)
	}
	if task.Artifacts[0].RelativeDest != "${NOMAD_ALLOC_DIR}/data" {
		t.Errorf("the job's artifact was changed: %q", task.Artifacts[0].RelativeDest)
	}
}

// TestTemplatesHookOnRestart: as in Nomad, a restart leaves rendered
// files alone (the task may have changed them) and keeps an env
// template's variables, unless the restart policy sets render_templates;
// a once template is never rendered again.
func TestTemplatesHookOnRestart(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"stdout_string": "${APP_PORT}"})
	task.Templates = []*structs.Template{
		{EmbeddedTmpl: "fresh", DestPath: "local/app.conf"},
		{EmbeddedTmpl: "fresh", DestPath: "local/once.conf", Once: true},
		{EmbeddedTmpl: "APP_PORT=8080\n", DestPath: "secrets/app.env", Envvars: true},
	}
	env := newTestEnv(t, structs.JobTypeService, task)
	h := plainTemplatesHook()
	start := func() *Setup {
		t.Helper()
		s := env.setup(task)
		if err := newEnvHook(nil, "global").Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
			t.Fatal(err)
		}
		if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := start()
	app, once := filepath.Join(s.TaskDir.LocalDir, "app.conf"), filepath.Join(s.TaskDir.LocalDir, "once.conf")
	envFile := filepath.Join(s.TaskDir.SecretsDir, "app.env")
	scribble := func() {
		for _, p := range []string{app, once, envFile} {
			writeFile(t, p, "changed by the task")
		}
	}
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return string(b)
	}

	scribble()
	s = start()
	for _, p := range []string{app, once, envFile} {
		if got := read(p); got != "changed by the task" {
			t.Errorf("restart without render_templates: %s = %q, want it left alone", filepath.Base(p), got)
		}
	}
	if s.Env.Map()["APP_PORT"] != "8080" || string(s.DriverConfig) != `{"stdout_string":"8080"}` {
		t.Errorf("restart lost the env template's variables: env %v, config %s", s.Env.Map()["APP_PORT"], s.DriverConfig)
	}

	env.alloc.Job.TaskGroups[0].RestartPolicy.RenderTemplates = true
	s = start()
	if got := read(app); got != "fresh" {
		t.Errorf("restart with render_templates: app.conf = %q, want it rendered again", got)
	}
	if got := read(envFile); got != "APP_PORT=8080\n" {
		t.Errorf("restart with render_templates: app.env = %q, want it rendered again", got)
	}
	if got := read(once); got != "changed by the task" {
		t.Errorf("once template rendered again on restart: %q", got)
	}
	if s.Env.Map()["APP_PORT"] != "8080" {
		t.Errorf("env %v", s.Env.Map())
	}
}
