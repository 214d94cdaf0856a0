package taskrunner

import (
	"context"
	"fmt"

	"github.com/nomadish/nomadish/client/taskenv"
	"github.com/nomadish/nomadish/client/template"
)

// templatesHook renders the task's templates into its directory before
// its first start; templates with env = true add their variables to the
// task's environment, and the driver config is interpolated again with
// them.
//
// As in Nomad, a restart does not render the templates again unless the
// restart policy sets render_templates, and a template with once = true
// is never rendered again in the runner's life, whatever the policy: the
// file the task may have changed is left as it is, and the variables of
// an env template are those of its last render. A template's data here is
// the task's environment alone, which does not change while the
// allocation lives, so there is no change to watch for while the task
// runs and change_mode, change_signal, change_script, splay and wait are
// checked (template.Check) but never act.
type templatesHook struct {
	// rendered holds, by template index, the variables of the last
	// render (nil for a template without env); nil until the first
	// render. Only the task runner's goroutine touches it.
	rendered []map[string]string
}

func newTemplatesHook() *templatesHook { return &templatesHook{} }

func (*templatesHook) Name() string { return "templates" }

func (h *templatesHook) Prestart(_ context.Context, req *PrestartRequest) error {
	s := req.Setup
	if len(s.Task.Templates) == 0 {
		return nil
	}
	again := renderTemplatesOnRestart(s)
	first := h.rendered == nil
	var env map[string]string
	replace := func(p string) string { return p }
	if s.Env != nil {
		env = s.Env.Map()
		replace = clientPathEnv(s).Replace
	}
	next := make([]map[string]string, len(s.Task.Templates))
	extra := map[string]string{}
	for i, t := range s.Task.Templates {
		if t == nil {
			continue
		}
		if !first && (t.Once || !again) {
			next[i] = h.rendered[i]
		} else {
			res, err := template.RenderTask(t, template.Task{Dir: s.TaskDir.Dir, Env: env, ReplacePath: replace})
			if err != nil {
				return setupError(EventSetupFailure, fmt.Errorf("render templates: %w", err), false)
			}
			next[i] = res.Envvars
		}
		for k, v := range next[i] {
			extra[k] = v
		}
	}
	h.rendered = next
	if len(extra) == 0 || s.Env == nil {
		return nil
	}
	s.Env = s.Env.With(extra)
	return interpolateConfig(s)
}

// renderTemplatesOnRestart is the restart policy's render_templates: the
// task's own policy, else its group's.
func renderTemplatesOnRestart(s *Setup) bool {
	if p := s.Task.RestartPolicy; p != nil {
		return p.RenderTemplates
	}
	if s.Alloc != nil && s.Alloc.Job != nil {
		if g := s.Alloc.Job.LookupTaskGroup(s.Alloc.TaskGroup); g != nil && g.RestartPolicy != nil {
			return g.RestartPolicy.RenderTemplates
		}
	}
	return false
}

// clientPathEnv is the task's environment with the directory variables
// as host paths, for the paths the client itself opens (a template's
// source and destination, an artifact's destination). A task whose
// driver isolates its file system sees NOMAD_ALLOC_DIR as /alloc; the
// client must write to the directory that is mounted there, as Nomad
// does.
func clientPathEnv(s *Setup) *taskenv.Env {
	dirs := map[string]string{}
	for k, v := range map[string]string{
		taskenv.AllocDir:     s.TaskDir.SharedAllocDir,
		taskenv.TaskLocalDir: s.TaskDir.LocalDir,
		taskenv.SecretsDir:   s.TaskDir.SecretsDir,
	} {
		if v != "" {
			dirs[k] = v
		}
	}
	return s.Env.With(dirs)
}
