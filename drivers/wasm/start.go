package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"

	"github.com/nomadish/nomadish/drivers/plugin"
)

func (d *Driver) StartTask(ctx context.Context, cfg *plugin.TaskConfig) (*plugin.TaskHandle, error) {
	if cfg == nil || cfg.ID == "" {
		return nil, errors.New("start task: the task config has no ID")
	}
	if _, err := d.tasks.Get(cfg.ID); err == nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, plugin.ErrTaskExists)
	}
	conf, err := parseTaskConfig(cfg.DriverConfig)
	if err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	r, err := d.runtime()
	if err != nil {
		return nil, plugin.NewRecoverableError(fmt.Errorf("start task %q: %w", cfg.ID, err))
	}
	td := taskDirs{dir: cfg.TaskDir.Dir, local: cfg.TaskDir.LocalDir, alloc: cfg.TaskDir.SharedAllocDir, secrets: cfg.TaskDir.SecretsDir}
	bin, sum, err := d.loadModule(ctx, td, conf.Module)
	if err != nil {
		err = fmt.Errorf("start task %q: %w", cfg.ID, err)
		if strings.Contains(conf.Module, "://") {
			// A download may work next time.
			err = plugin.NewRecoverableError(err)
		}
		return nil, err
	}
	mod, hit, err := d.compile(ctx, r, bin, sum)
	if err != nil {
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	t, err := d.newTask(cfg, conf, td, mod, hit)
	if err != nil {
		d.release(mod)
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	if err := d.tasks.Add(cfg.ID, t); err != nil {
		t.cancel()
		t.stdout.Close()
		t.stderr.Close()
		d.release(mod)
		return nil, fmt.Errorf("start task %q: %w", cfg.ID, err)
	}
	go func() {
		t.run(r, t.modCfg, time.Now, func(msg string, ann map[string]string) { d.emit(t, msg, ann) })
		d.release(mod)
		d.emit(t, "task exited", nil)
	}()
	d.logger.Debug("task started", "task_id", cfg.ID, "module_sha256", mod.sum, "compile_cache_hit", hit)
	return plugin.NewTaskHandle(handleVersion, cfg, plugin.TaskStateRunning,
		driverState{Instance: d.instance, StartedAt: t.startedAt, ModuleSHA256: mod.sum})
}

// newTask checks the module against the task's config and prepares its
// instance: memory ceiling, file system, logs and module config.
func (d *Driver) newTask(cfg *plugin.TaskConfig, conf *taskConfig, td taskDirs, mod *compiled, hit bool) (*task, error) {
	if !mod.exports[conf.Entrypoint] {
		return nil, fmt.Errorf("the module exports no function %q to run; it exports %s", conf.Entrypoint, exportList(mod.exports))
	}
	mem := newMemoryCeiling(conf.memoryLimitBytes(cfg.Resources.MemoryMB))
	if mod.minMem > mem.limit {
		return nil, fmt.Errorf("the module needs %d MiB of linear memory to start, more than its limit of %d MiB; raise memory_limit or resources.memory",
			(mod.minMem+(1<<20)-1)>>20, mem.limit>>20)
	}
	fsCfg, err := mounts(td, conf.Mounts)
	if err != nil {
		return nil, err
	}
	stdout, err := openLog(cfg.StdoutPath)
	if err != nil {
		return nil, err
	}
	stderr, err := openLog(cfg.StderrPath)
	if err != nil {
		stdout.Close()
		return nil, err
	}
	tctx, cancel := context.WithCancel(context.Background())
	t := &task{
		cfg: cfg, conf: conf, mod: mod, mem: mem, hit: hit,
		startedAt: time.Now(), logger: d.logger,
		ctx: tctx, cancel: cancel,
		stdout: stdout, stderr: stderr,
		killed:    make(chan struct{}),
		done:      make(chan struct{}),
		destroyed: make(chan struct{}),
	}
	t.stdinR, t.stdinW = ioPipe()
	modCfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{path.Base(conf.Module)}, conf.Args...)...).
		WithStdin(t.stdinR).
		WithStdout(stdout).
		WithStderr(stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithNanosleep(t.sleep).
		WithRandSource(rand.Reader).
		WithFSConfig(fsCfg)
	for _, kv := range mergedEnv(cfg.Env, conf.Env) {
		modCfg = modCfg.WithEnv(kv[0], kv[1])
	}
	if conf.Entrypoint != "_start" {
		// A reactor module's _initialize runs first; the entrypoint after.
		modCfg = modCfg.WithStartFunctions("_initialize")
	}
	t.modCfg = modCfg
	return t, nil
}

func exportList(exports map[string]bool) string {
	var names []string
	for n := range exports {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "no functions"
	}
	return strings.Join(names, ", ")
}

// mergedEnv is the task's environment with the config's env on top, as
// sorted pairs. Names WASI cannot carry (empty, or with "=" or NUL) are
// left out.
func mergedEnv(task, conf map[string]string) [][2]string {
	all := map[string]string{}
	for k, v := range task {
		all[k] = v
	}
	for k, v := range conf {
		all[k] = v
	}
	out := make([][2]string, 0, len(all))
	for k, v := range all {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.Contains(v, "\x00") {
			continue
		}
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// mounts is the module's file system: the task's local, alloc and secrets
// directories and the config's mounts, each confined to its directory.
func mounts(td taskDirs, extra []mountConfig) (wazero.FSConfig, error) {
	fsCfg := wazero.NewFSConfig()
	add := func(host, guest string, ro bool) {
		fsCfg = fsCfg.(sysfs.FSConfig).WithSysFSMount(newConfinedFS(host, ro), guest)
	}
	for _, m := range []struct {
		host, guest string
		ro          bool
	}{{td.local, "/local", false}, {td.alloc, "/alloc", false}, {td.secrets, "/secrets", true}} {
		if m.host != "" {
			add(m.host, m.guest, m.ro)
		}
	}
	for i, m := range extra {
		if td.dir == "" {
			return nil, fmt.Errorf("mounts[%d]: the task has no task directory", i)
		}
		host, err := resolveInside(td.dir, m.Source, true)
		if err != nil {
			return nil, fmt.Errorf("mounts[%d].source %q: want a directory inside the task directory such as \"local/data\": %w", i, m.Source, err)
		}
		fi, err := os.Stat(host)
		if err != nil {
			return nil, fmt.Errorf("mounts[%d].source %q: %w", i, m.Source, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("mounts[%d].source %q is not a directory", i, m.Source)
		}
		add(host, m.Target, m.readOnly())
	}
	return fsCfg, nil
}

// openLog opens a task log (a file or the logmon FIFO) for appending; an
// empty path discards output.
func openLog(p string) (*os.File, error) {
	if p == "" {
		p = os.DevNull
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open task log: %w", err)
	}
	return f, nil
}
