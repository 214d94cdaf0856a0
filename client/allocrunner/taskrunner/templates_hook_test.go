package taskrunner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err := newTemplatesHook().Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
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
	err := newTemplatesHook().Prestart(context.Background(), &PrestartRequest{Setup: env.setup(task)})
	if err == nil || setupEventType(err) != EventSetupFailure || !strings.Contains(err.Error(), "local/x") {
		t.Fatalf("broken template: %v", err)
	}
}
