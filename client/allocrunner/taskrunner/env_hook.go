package taskrunner

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nomadish/nomadish/client/taskenv"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// envHook builds the task's environment (NOMAD_* and the task's env) and
// interpolates the driver config block with it.
type envHook struct {
	node   *structs.Node
	region string
}

func newEnvHook(node *structs.Node, region string) *envHook {
	return &envHook{node: node, region: region}
}

func (*envHook) Name() string { return "env" }

func (h *envHook) Prestart(_ context.Context, req *PrestartRequest) error {
	s := req.Setup
	fsIsolation := "none"
	if s.Capabilities != nil && s.Capabilities.FSIsolation != "" {
		fsIsolation = s.Capabilities.FSIsolation
	}
	s.Env = taskenv.New(taskenv.Params{
		Node:        h.node,
		Alloc:       s.Alloc,
		Task:        s.Task,
		Region:      h.region,
		TaskDir:     s.TaskDir,
		FSIsolation: fsIsolation,
	})
	return interpolateConfig(s)
}

// interpolateConfig sets s.DriverConfig to the task's config block with
// every string interpolated by s.Env, as a JSON object.
func interpolateConfig(s *Setup) error {
	cfg := normalize(s.Task.Config).(map[string]interface{})
	if s.Env != nil {
		cfg = s.Env.ReplaceConfig(cfg)
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return setupError(EventFailedValidation, fmt.Errorf("task %q config: %w", s.Task.Name, err), false)
	}
	s.DriverConfig = b
	return nil
}
