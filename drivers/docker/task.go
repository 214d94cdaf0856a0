package docker

import (
	"context"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// task is one container. A goroutine (watch) waits for it to exit through
// the engine and records how it ended; the container itself is the
// engine's.
type task struct {
	cfg   *plugin.TaskConfig
	state driverState
	c     *client.Client
	logs  *logStreamer
	retry retryPolicy

	done      chan struct{} // closed once exit is set
	destroyed chan struct{} // closed by DestroyTask, ending stats streams
	destroy   sync.Once

	mu          sync.Mutex // guards the fields below
	exit        *plugin.ExitResult
	completedAt time.Time
	failures    int // engine calls failed in a row in the current outage
}

func newTask(cfg *plugin.TaskConfig, st driverState, c *client.Client, logs *logStreamer, retry retryPolicy) *task {
	return &task{cfg: cfg, state: st, c: c, logs: logs, retry: retry.withDefaults(), done: make(chan struct{}), destroyed: make(chan struct{})}
}

// retryPolicy is how watch rides out an engine that does not answer: it
// asks again Retries times, Delay apart, before it reports the task lost.
// The budget is per outage: a call the engine answers starts it afresh,
// so a task that lives through many short outages is never lost to their
// sum.
type retryPolicy struct {
	Retries int
	Delay   time.Duration
}

// Defaults of retryPolicy: a minute of asking once a second.
const (
	defaultEngineRetries = 60
	defaultRetryDelay    = time.Second
)

// retryPolicy is the driver's Config.EngineRetries and EngineRetryDelay.
func (d *Driver) retryPolicy() retryPolicy {
	return retryPolicy{Retries: d.cfg.EngineRetries, Delay: d.cfg.EngineRetryDelay}
}

func (p retryPolicy) withDefaults() retryPolicy {
	if p.Retries <= 0 {
		p.Retries = defaultEngineRetries
	}
	if p.Delay <= 0 {
		p.Delay = defaultRetryDelay
	}
	return p
}

// logDrain bounds how long an exited task waits for the rest of its output.
const logDrain = 5 * time.Second

// watch waits for the container to stop and records its exit: the code,
// the signal that killed it (the engine reports 128+N) and the OOM flag
// from inspect. An engine that goes away is reported as a task event with
// its error and asked again; a container that disappears is an error exit.
func (t *task) watch(emit func(cfg *plugin.TaskConfig, msg string, ann map[string]string)) {
	res, completed := t.waitExit(emit)
	if t.logs != nil {
		t.logs.wait(logDrain)
	}
	if res.OOMKilled {
		emit(t.cfg, fmt.Sprintf("OOM killed: the container used all the memory its limit allows (%d MiB)", memoryLimitMB(t.cfg.Resources)),
			map[string]string{"oom_killed": "true"})
	}
	t.mu.Lock()
	t.exit = res
	t.completedAt = completed
	t.mu.Unlock()
	close(t.done)
}

// outageFailures is how many engine calls have failed in a row.
func (t *task) outageFailures() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failures
}

// waitExit inspects the container and, while it runs, waits on the engine
// for it to stop. Every failed inspect counts against the retry budget of
// the current outage; a successful one ends the outage and resets it.
func (t *task) waitExit(emit func(cfg *plugin.TaskConfig, msg string, ann map[string]string)) (*plugin.ExitResult, time.Time) {
	ctx := context.Background()
	id := t.state.ContainerID
	var lastErr error
	pause := false // wait a Delay before the next call
	for {
		if pause {
			select {
			case <-t.destroyed:
				return &plugin.ExitResult{ExitCode: -1, Err: "the task was destroyed while the engine did not answer"}, time.Now()
			case <-time.After(t.retry.Delay):
			}
		}
		pause = false
		ins, err := t.c.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if cerrdefs.IsNotFound(err) {
			return &plugin.ExitResult{ExitCode: -1, Err: fmt.Sprintf("container %s is gone from the engine (removed outside nomadish?)", shortID(id))}, time.Now()
		}
		if err != nil {
			if lastErr == nil {
				lastErr = err
			}
			t.mu.Lock()
			t.failures++
			n := t.failures
			t.mu.Unlock()
			if n == 1 {
				emit(t.cfg, fmt.Sprintf("The Docker engine does not answer about container %s: %v", shortID(id), lastErr), map[string]string{"container_id": id})
			}
			if n > t.retry.Retries {
				return &plugin.ExitResult{ExitCode: -1, Err: fmt.Sprintf("the Docker engine did not answer about container %s: %v", shortID(id), lastErr)}, time.Now()
			}
			pause = true
			continue
		}
		t.mu.Lock()
		outage := t.failures > 0
		t.failures = 0
		t.mu.Unlock()
		if outage {
			emit(t.cfg, fmt.Sprintf("The Docker engine answers again about container %s", shortID(id)), map[string]string{"container_id": id})
		}
		lastErr = nil
		st := ins.Container.State
		if st != nil && !st.Running && !st.Restarting && !st.Paused {
			res := &plugin.ExitResult{ExitCode: st.ExitCode, OOMKilled: st.OOMKilled, Err: st.Error}
			if st.ExitCode > 128 && st.ExitCode <= 128+64 {
				res.Signal = st.ExitCode - 128
			}
			completed, perr := time.Parse(time.RFC3339Nano, st.FinishedAt)
			if perr != nil || completed.Before(t.state.StartedAt) {
				completed = time.Now()
			}
			return res, completed
		}
		w := t.c.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		select {
		case <-w.Result:
		case err := <-w.Error:
			// The connection broke (an engine going away) or the engine
			// refused the wait: inspect again after a pause.
			lastErr = err
			pause = true
		}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
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
	st := &plugin.TaskStatus{
		ID:        t.cfg.ID,
		Name:      t.cfg.Name,
		State:     plugin.TaskStateRunning,
		StartedAt: t.state.StartedAt,
		DriverAttributes: map[string]string{
			"container_id": t.state.ContainerID,
			"image_id":     t.state.ImageID,
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
