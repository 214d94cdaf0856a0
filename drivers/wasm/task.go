package wasm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// task is one running module. Its life is one goroutine (run) inside the
// plugin process; stopping it closes its stdin, killing it cancels its
// context, which wazero turns into closing the module at the next function
// call or loop iteration, and which also wakes the module from a sleep or
// a blocked stdin read.
type task struct {
	cfg       *plugin.TaskConfig
	conf      *taskConfig
	mod       *compiled
	mem       *memoryCeiling
	hit       bool // the module came from the in-memory cache
	startedAt time.Time
	modCfg    wazero.ModuleConfig
	logger    hclog.Logger

	ctx            context.Context
	cancel         context.CancelFunc // kills the module
	stdinR         *io.PipeReader
	stdinW         *io.PipeWriter
	stdout, stderr *os.File

	stopOnce, killOnce, destroyOnce sync.Once
	killed                          chan struct{} // closed by kill
	done                            chan struct{} // closed once exit is set
	destroyed                       chan struct{} // closed by DestroyTask, ending stats streams

	mu          sync.Mutex // guards the fields below
	exit        *plugin.ExitResult
	completedAt time.Time
}

// stop asks the module to exit: WASI has no signals, so the driver closes
// its stdin, which a module that wants a graceful stop reads until EOF.
func (t *task) stop() {
	t.stopOnce.Do(func() { _ = t.stdinW.Close() })
}

// kill ends the module without its cooperation.
func (t *task) kill() {
	t.killOnce.Do(func() {
		close(t.killed)
		t.cancel()
		_ = t.stdinW.CloseWithError(io.EOF)
	})
}

func (t *task) running() bool {
	select {
	case <-t.done:
		return false
	default:
		return true
	}
}

// sleep is the module's nanosleep: a real sleep that a kill cuts short, so
// a module sleeping for an hour dies at once.
func (t *task) sleep(ns int64) {
	if ns <= 0 {
		return
	}
	tm := time.NewTimer(time.Duration(ns))
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-t.killed:
	}
}

// run instantiates the module, which runs its entrypoint, and records how
// it ended. events reports what the user should see in the task's events.
func (t *task) run(r *wasmRuntime, modCfg wazero.ModuleConfig, now func() time.Time, event func(msg string, ann map[string]string)) {
	res := t.instantiate(r, modCfg)
	if limit := t.mem.limit; t.mem.refused.Load() > 0 && !res.Successful() && res.Signal == 0 {
		res.OOMKilled = true
		msg := fmt.Sprintf("OOM killed: the module tried to grow its linear memory to %d MiB, past its limit of %d MiB (memory_limit or resources.memory)",
			t.mem.refused.Load()>>20, limit>>20)
		fmt.Fprintf(t.stderr, "nomadish wasm driver: %s\n", msg)
		event(msg, map[string]string{"oom_killed": "true"})
	}
	_ = t.stdout.Close()
	_ = t.stderr.Close()
	_ = t.stdinR.Close()
	t.cancel()
	t.mu.Lock()
	t.exit = res
	t.completedAt = now()
	t.mu.Unlock()
	close(t.done)
}

func (t *task) instantiate(r *wasmRuntime, modCfg wazero.ModuleConfig) (res *plugin.ExitResult) {
	defer func() {
		// wazero turns guest faults into errors; a panic here is a bug in
		// the driver or wazero, and must fail the task, not the plugin.
		// It is logged with its stack as the agent's recovered panics are
		// (the plugin's log reaches the agent's), so the suites see it.
		if p := recover(); p != nil {
			if t.logger != nil {
				t.logger.Error("recovered panic: this is a bug", "where", "wasm task", "task_id", t.cfg.ID,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
			res = &plugin.ExitResult{ExitCode: 1, Err: fmt.Sprintf("wasm driver panic: %v", p)}
		}
	}()
	ctx := experimental.WithMemoryAllocator(t.ctx, t.mem)
	m, err := r.rt.InstantiateModule(ctx, t.mod.mod, modCfg)
	if err == nil && t.conf.Entrypoint != "_start" {
		fn := m.ExportedFunction(t.conf.Entrypoint)
		_, err = fn.Call(ctx)
	}
	if m != nil {
		_ = m.Close(context.Background())
	}
	return t.exitResult(err)
}

// exitResult turns what wazero returned into how the task ended.
func (t *task) exitResult(err error) *plugin.ExitResult {
	select {
	case <-t.killed:
		return &plugin.ExitResult{Signal: int(syscall.SIGKILL)}
	default:
	}
	if err == nil {
		return &plugin.ExitResult{}
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded:
			return &plugin.ExitResult{Signal: int(syscall.SIGKILL)}
		}
		return &plugin.ExitResult{ExitCode: int(ee.ExitCode())}
	}
	// A trap (unreachable, out-of-bounds access, stack overflow...): the
	// module crashed. Its stderr gets the reason, as a crashed process's
	// would, and the task exits 1.
	fmt.Fprintf(t.stderr, "nomadish wasm driver: the module trapped: %v\n", err)
	return &plugin.ExitResult{ExitCode: 1}
}

func (t *task) status() *plugin.TaskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	compile := "compiled"
	if t.hit {
		compile = "memory-cache"
	}
	st := &plugin.TaskStatus{
		ID:        t.cfg.ID,
		Name:      t.cfg.Name,
		State:     plugin.TaskStateRunning,
		StartedAt: t.startedAt,
		DriverAttributes: map[string]string{
			"module_sha256":       t.mod.sum,
			"compile":             compile,
			"compile_ms":          fmt.Sprintf("%.1f", float64(t.mod.took.Microseconds())/1000),
			"memory_limit_bytes":  fmt.Sprint(t.mem.limit),
			"memory_bytes":        fmt.Sprint(t.mem.size.Load()),
			"memory_peak_bytes":   fmt.Sprint(t.mem.peak.Load()),
			"cpu_stats":           cpuNotMeasured,
			"entrypoint":          t.conf.Entrypoint,
			"memory_refused_size": fmt.Sprint(t.mem.refused.Load()),
		},
	}
	if t.exit != nil {
		st.State = plugin.TaskStateExited
		res := *t.exit
		st.ExitResult = &res
		st.CompletedAt = t.completedAt
	}
	return st
}

// cpuNotMeasured says why a wasm task's CPU figures are zero: the module
// runs on goroutines of the plugin process, and Go does not account CPU
// time per goroutine.
const cpuNotMeasured = "not measured: modules run on the plugin's goroutines, which Go does not account CPU time for"
