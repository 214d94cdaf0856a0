package taskrunner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/client/taskenv"
	"github.com/nomadish/nomadish/client/template"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
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
// an env template are those of its last render.
//
// A template that reads service discovery (nomadService, nomadServices)
// is rendered again whenever the servers' service registrations change,
// for as long as the task runner lives: the hook's watcher waits on a
// blocking query, then (after wait's min, when set) renders every such
// template again. When a file's content changed, its change_mode acts on
// the running task after a random delay up to splay: restart (a restart
// that does not count against the restart policy), signal (change_signal;
// several templates' signals are sent once each), script (change_script
// run in the task through its driver's exec, within its timeout; with
// fail_on_error a failing script kills the task), or noop. When templates
// with different modes change together, a restart covers them all. An env
// template's new variables reach the task's environment at its next start
// (change_mode = "restart" does that).
type templatesHook struct {
	services ServiceWatcher // nil: no discovery, nomadService fails
	actions  templateActions
	clock    Clock
	rand     *rand.Rand // only the watcher's goroutine draws from it
	logger   hclog.Logger

	mu sync.Mutex // guards the fields below
	// rendered holds, by template index, the variables of the last
	// render (nil for a template without env); nil until the first
	// render.
	rendered []map[string]string
	// watch is what the watcher renders with; set by Prestart.
	watch *templateWatch
	// stop ends the watcher; nil while none runs.
	stop context.CancelFunc
}

// ServiceWatcher is the client's way to service discovery for templates.
type ServiceWatcher interface {
	template.ServiceSource
	// WaitServices blocks until the servers' service registrations have
	// changed since index (a blocking query, bounded by the client), or
	// ctx ends, and returns the registrations' index now. Index 0
	// returns at once.
	WaitServices(ctx context.Context, index uint64) (uint64, error)
}

// templateActions is what change_mode does to the task: the task
// runner's own controls.
type templateActions interface {
	Restart(ev *structs.TaskEvent, failure bool) error
	Signal(ctx context.Context, signal string) error
	Exec(ctx context.Context, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error)
	Kill(ctx context.Context, reason *structs.TaskEvent) error
	EmitEvent(ev *structs.TaskEvent)
}

// templateWatch is the render input the watcher reuses.
type templateWatch struct {
	templates []*structs.Template
	watched   []bool // templates that read discovery and are rendered again
	task      template.Task
}

// Template watcher bounds.
const (
	// templateRetry is how long the watcher waits after a failed query
	// or render before it tries again.
	templateRetry = 5 * time.Second
	// defaultChangeScriptTimeout bounds a change_script without a
	// timeout, as Nomad's default does.
	defaultChangeScriptTimeout = 5 * time.Second
	// maxChangeScriptOutput is how much of a change_script's output a
	// failure event quotes.
	maxChangeScriptOutput = 1024
)

func newTemplatesHook(services ServiceWatcher, actions templateActions, clock Clock, seed int64, logger hclog.Logger) *templatesHook {
	return &templatesHook{services: services, actions: actions, clock: clock, rand: rand.New(rand.NewSource(seed)), logger: logger}
}

func (*templatesHook) Name() string { return "templates" }

func (h *templatesHook) Prestart(_ context.Context, req *PrestartRequest) error {
	s := req.Setup
	if len(s.Task.Templates) == 0 {
		return nil
	}
	again := renderTemplatesOnRestart(s)
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.rendered == nil
	var env map[string]string
	replace := func(p string) string { return p }
	if s.Env != nil {
		env = s.Env.Map()
		replace = clientPathEnv(s).Replace
	}
	task := template.Task{Dir: s.TaskDir.Dir, Env: env, ReplacePath: replace}
	if h.services != nil {
		task.Services = h.services
	}
	next := make([]map[string]string, len(s.Task.Templates))
	watched := make([]bool, len(s.Task.Templates))
	if h.watch != nil {
		copy(watched, h.watch.watched)
	}
	extra := map[string]string{}
	for i, t := range s.Task.Templates {
		if t == nil {
			continue
		}
		if !first && (t.Once || !again) {
			next[i] = h.rendered[i]
		} else {
			res, err := template.RenderTask(t, task)
			if err != nil {
				return setupError(EventSetupFailure, fmt.Errorf("render templates: %w", err), false)
			}
			next[i] = res.Envvars
			watched[i] = res.UsesServices && !t.Once
		}
		for k, v := range next[i] {
			extra[k] = v
		}
	}
	h.rendered = next
	h.watch = &templateWatch{templates: s.Task.Templates, watched: watched, task: task}
	if len(extra) == 0 || s.Env == nil {
		return nil
	}
	s.Env = s.Env.With(extra)
	return interpolateConfig(s)
}

// Poststart starts the watcher once the task runs, if a template reads
// service discovery.
func (h *templatesHook) Poststart(context.Context, *PoststartRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop != nil || h.services == nil || h.watch == nil || !anyTrue(h.watch.watched) {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go h.watchServices(ctx)
	return nil
}

// Stop ends the watcher: the task is dead for good.
func (h *templatesHook) Stop(context.Context, *StopRequest) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop != nil {
		h.stop()
		h.stop = nil
	}
	return nil
}

func anyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}

// watchServices renders the watched templates again after every change of
// the service registrations, until ctx ends. The first pass catches what
// changed between the task's setup and its start.
func (h *templatesHook) watchServices(ctx context.Context) {
	var index uint64
	for ctx.Err() == nil {
		next, err := h.services.WaitServices(ctx, index)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			h.logger.Warn("template watcher: reading service discovery failed; trying again", "error", err, "retry_in", templateRetry)
			if !h.sleep(ctx, templateRetry) {
				return
			}
			continue
		}
		if index != 0 && next == index {
			continue // the blocking query's bound passed with no change
		}
		index = next
		if d := h.minWait(); d > 0 && !h.sleep(ctx, d) {
			return
		}
		h.rerender(ctx)
	}
}

// minWait is the longest wait { min } of the watched templates: how long
// discovery must settle before they are rendered again.
func (h *templatesHook) minWait() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var d time.Duration
	for i, t := range h.watch.templates {
		if h.watch.watched[i] && t.Wait != nil && t.Wait.Min != nil && *t.Wait.Min > d {
			d = *t.Wait.Min
		}
	}
	return d
}

func (h *templatesHook) sleep(ctx context.Context, d time.Duration) bool {
	ch, stop := h.clock.NewTimer(d)
	defer stop()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// rerender renders the watched templates and applies the change modes of
// those whose files changed.
func (h *templatesHook) rerender(ctx context.Context) {
	h.mu.Lock()
	w := h.watch
	var changed []*structs.Template
	for i, t := range w.templates {
		if t == nil || !w.watched[i] {
			continue
		}
		res, err := template.RenderTask(t, w.task)
		if err != nil {
			// The file keeps its last content; the next change tries again.
			h.logger.Warn("template watcher: render failed; the file keeps its last content", "destination", t.DestPath, "error", err)
			continue
		}
		if res.Changed {
			changed = append(changed, t)
			if t.Envvars {
				h.rendered[i] = res.Envvars
			}
		}
	}
	h.mu.Unlock()
	if len(changed) > 0 {
		h.apply(ctx, changed)
	}
}

// apply carries out the change modes of the changed templates, after a
// random delay up to the longest of their splays.
func (h *templatesHook) apply(ctx context.Context, changed []*structs.Template) {
	var splay time.Duration
	restart := false
	var signals []string
	var scripts []*structs.ChangeScript
	var dests []string
	seen := map[string]bool{}
	for _, t := range changed {
		dests = append(dests, t.DestPath)
		splay = max(splay, t.Splay)
		switch t.ChangeMode {
		case "", template.ChangeModeRestart:
			restart = true
		case template.ChangeModeSignal:
			if !seen[t.ChangeSignal] {
				seen[t.ChangeSignal] = true
				signals = append(signals, t.ChangeSignal)
			}
		case template.ChangeModeScript:
			scripts = append(scripts, t.ChangeScript)
		}
	}
	if !restart && len(signals) == 0 && len(scripts) == 0 {
		h.logger.Debug("templates re-rendered; change_mode noop", "destinations", dests)
		return
	}
	if splay > 0 {
		if !h.sleep(ctx, time.Duration(h.rand.Int63n(int64(splay)))) {
			return
		}
	}
	switch {
	case restart:
		ev := NewEvent(EventRestartSignal, fmt.Sprintf("Template with change_mode restart re-rendered: %v", dests))
		if err := h.actions.Restart(ev, false); err != nil {
			h.logger.Warn("template re-rendered but the task could not be restarted", "error", err)
		}
	default:
		for _, sig := range signals {
			if err := h.actions.Signal(ctx, sig); err != nil {
				h.logger.Warn("template re-rendered but the task could not be signalled", "signal", sig, "error", err)
			}
		}
		for _, cs := range scripts {
			h.runChangeScript(ctx, cs)
		}
	}
}

// runChangeScript runs a change_script in the task; with fail_on_error a
// failure kills the task.
func (h *templatesHook) runChangeScript(ctx context.Context, cs *structs.ChangeScript) {
	timeout := cs.Timeout
	if timeout <= 0 {
		timeout = defaultChangeScriptTimeout
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out bytes.Buffer
	w := &capWriter{buf: &out, max: maxChangeScriptOutput}
	res, err := h.actions.Exec(sctx, append([]string{cs.Command}, cs.Args...), plugin.ExecStdio{Stdin: bytes.NewReader(nil), Stdout: w, Stderr: w})
	var failure string
	switch {
	case err != nil:
		failure = err.Error()
	case sctx.Err() != nil:
		failure = fmt.Sprintf("timed out after %s", timeout)
	case res.Err != "":
		failure = res.Err
	case !res.Successful():
		failure = fmt.Sprintf("exit code %d", res.ExitCode)
	}
	if failure == "" {
		h.actions.EmitEvent(NewEvent(EventTemplateScript, fmt.Sprintf("Template change_script %s ran", cs.Command)))
		return
	}
	msg := fmt.Sprintf("Template change_script %s failed: %s", cs.Command, failure)
	if s := bytes.TrimSpace(out.Bytes()); len(s) > 0 {
		msg += ": " + string(s)
	}
	if !cs.FailOnError {
		h.actions.EmitEvent(NewEvent(EventTemplateScript, msg))
		return
	}
	if err := h.actions.Kill(context.Background(), failing(NewEvent(EventKilling, msg+" (fail_on_error)"))); err != nil {
		h.logger.Warn("change_script failed and the task could not be killed", "error", err)
	}
}

// capWriter keeps the first max bytes written to it.
type capWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
	max int
}

func (c *capWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
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
