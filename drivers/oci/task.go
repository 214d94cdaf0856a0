package oci

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// task is one container. A goroutine (watch) waits for it to exit and
// records how it ended; the container itself runs under its monitor,
// outside the plugin process.
type task struct {
	cfg   *plugin.TaskConfig
	state driverState
	ctr   *ociruntime.Container
	rt    *ociruntime.Runtime

	done      chan struct{} // closed once exit is set
	destroyed chan struct{} // closed by DestroyTask, ending stats streams
	destroy   sync.Once

	mu          sync.Mutex // guards the fields below
	exit        *plugin.ExitResult
	completedAt time.Time
}

func newTask(cfg *plugin.TaskConfig, st driverState, rt *ociruntime.Runtime, ctr *ociruntime.Container) *task {
	return &task{
		cfg: cfg, state: st, rt: rt, ctr: ctr,
		done:      make(chan struct{}),
		destroyed: make(chan struct{}),
	}
}

// watch waits for the container to exit, records the exit and reports an
// OOM kill as a task event.
func (t *task) watch(emit func(t *task, msg string, ann map[string]string)) {
	var res *plugin.ExitResult
	e, err := t.ctr.Wait(context.Background())
	switch {
	case err != nil:
		res = &plugin.ExitResult{ExitCode: -1, Err: fmt.Sprintf("wait for container %s: %v", t.state.ContainerID, err)}
	default:
		res = &plugin.ExitResult{ExitCode: e.Code, Signal: e.Signal, OOMKilled: e.OOMKilled, Err: e.Err}
	}
	completed := time.Now()
	if err == nil && !e.Time.IsZero() {
		completed = e.Time
	}
	if res.OOMKilled {
		msg := fmt.Sprintf("OOM killed: the container used all the memory its cgroup allows (%d MiB, from memory_max or memory)", memoryLimitMB(t.cfg.Resources))
		emit(t, msg, map[string]string{"oom_killed": "true"})
	}
	t.mu.Lock()
	t.exit = res
	t.completedAt = completed
	t.mu.Unlock()
	close(t.done)
}

// memoryLimitMB is the container's hard memory limit.
func memoryLimitMB(r plugin.Resources) int64 {
	if r.MemoryMaxMB > 0 {
		return r.MemoryMaxMB
	}
	return r.MemoryMB
}

func (t *task) running() bool {
	select {
	case <-t.done:
		return false
	default:
		return true
	}
}

func (t *task) status() *plugin.TaskStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	overlay := "copy"
	if t.state.Overlay {
		overlay = "overlay"
	}
	st := &plugin.TaskStatus{
		ID:        t.cfg.ID,
		Name:      t.cfg.Name,
		State:     plugin.TaskStateRunning,
		StartedAt: t.state.StartedAt,
		DriverAttributes: map[string]string{
			"container_id":   t.state.ContainerID,
			"runtime":        t.state.Runtime,
			"image_id":       t.state.ImageID,
			"writable_layer": overlay,
			"pid":            fmt.Sprint(t.ctr.Pid()),
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

// signalSignum maps a signal name ("SIGTERM", "TERM") or number to a
// signal; "" is def.
func signalSignum(name string, def syscall.Signal) (syscall.Signal, error) {
	if name == "" {
		return def, nil
	}
	return parseSignal(name)
}
