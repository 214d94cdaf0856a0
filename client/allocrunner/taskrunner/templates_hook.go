package taskrunner

import (
	"context"
	"fmt"

	"github.com/nomadish/nomadish/client/template"
)

// templatesHook renders the task's templates into its directory before
// each start; templates with env = true add their variables to the task's
// environment, and the driver config is interpolated again with them.
type templatesHook struct{}

func newTemplatesHook() *templatesHook { return &templatesHook{} }

func (*templatesHook) Name() string { return "templates" }

func (h *templatesHook) Prestart(_ context.Context, req *PrestartRequest) error {
	s := req.Setup
	if len(s.Task.Templates) == 0 {
		return nil
	}
	extra := map[string]string{}
	for _, t := range s.Task.Templates {
		var env map[string]string
		if s.Env != nil {
			env = s.Env.Map()
		}
		vars, err := template.Render(t, s.TaskDir.Dir, env)
		if err != nil {
			return setupError(EventSetupFailure, fmt.Errorf("render templates: %w", err), false)
		}
		for k, v := range vars {
			extra[k] = v
		}
	}
	if len(extra) == 0 || s.Env == nil {
		return nil
	}
	s.Env = s.Env.With(extra)
	return interpolateConfig(s)
}
