package taskrunner

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestEnvHookInterpolatesDriverConfig(t *testing.T) {
	task := mockTask("web", map[string]interface{}{
		"stdout_string": "${NOMAD_TASK_NAME} in ${NOMAD_GROUP_NAME}",
		"exit_code":     1,
	})
	task.Env = map[string]string{"GREETING": "hi"}
	env := newTestEnv(t, structs.JobTypeService, task)
	s := env.setup(task)
	s.Capabilities = &plugin.Capabilities{FSIsolation: "none"}
	h := newEnvHook(&structs.Node{ID: "n1"}, "global")
	if err := h.Prestart(context.Background(), &PrestartRequest{Setup: s}); err != nil {
		t.Fatal(err)
	}
	var cfg map[string]interface{}
	if err := json.Unmarshal(s.DriverConfig, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["stdout_string"] != "web in g" || cfg["exit_code"] != float64(1) {
		t.Fatalf("driver config %s", s.DriverConfig)
	}
	m := s.Env.Map()
	if m["GREETING"] != "hi" || m["NOMAD_TASK_DIR"] != s.TaskDir.LocalDir {
		t.Fatalf("env %v: want the task's env and host paths (no isolation)", m)
	}
	// The task's own config is untouched.
	if task.Config["stdout_string"] != "${NOMAD_TASK_NAME} in ${NOMAD_GROUP_NAME}" {
		t.Fatal("the hook changed the task's config")
	}
}
