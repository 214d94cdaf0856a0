package allocrunner

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The allocation's health checks (client/checks) run from when Run has
// built the allocation directory until Run returns. A script check runs
// through the task's driver exec, as `alloc exec` does; check_restart
// restarts a task through its restart policy, counting as a failure.

// startChecks starts the tracker of the allocation's checks, if it has
// any; Run stops it when it returns.
func (ar *AllocRunner) startChecks() {
	cs := checks.AllocChecks(ar.cfg.Alloc)
	if len(cs) == 0 {
		return
	}
	host := ""
	if n := ar.cfg.Node; n != nil {
		host = n.Attributes["unique.network.ip-address"]
	}
	t := checks.NewTracker(checks.TrackerConfig{
		Alloc:       ar.cfg.Alloc,
		Checks:      cs,
		Clock:       ar.clock,
		Logger:      ar.cfg.Logger,
		Ports:       checks.AllocPorts(ar.cfg.Alloc, host),
		Exec:        ar.checkExec,
		TaskStarted: ar.checkTaskStarted,
		Restart:     ar.checkRestart,
		OnChange:    ar.checksChanged, // health.go
	})
	ar.mu.Lock()
	ar.checks = t
	ar.mu.Unlock()
	t.Start()
}

// stopChecks stops the checks; their last results stay readable.
func (ar *AllocRunner) stopChecks() {
	if t := ar.CheckTracker(); t != nil {
		t.Stop()
	}
}

// CheckTracker is the tracker of the allocation's checks, nil before Run
// started them or when the allocation has none. Service registrations
// read its ServiceHealth and Changed.
func (ar *AllocRunner) CheckTracker() *checks.Tracker {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.checks
}

// CheckResults is the latest result of every check of the allocation,
// by check ID; empty when it has none or they have not started.
func (ar *AllocRunner) CheckResults() map[string]*structs.CheckQueryResult {
	if t := ar.CheckTracker(); t != nil {
		return t.Results()
	}
	return map[string]*structs.CheckQueryResult{}
}

// checkExec runs a script check's command in its task, keeping at most
// checks.MaxOutput bytes of what it writes to stdout and stderr.
func (ar *AllocRunner) checkExec(ctx context.Context, task string, cmd []string) (int, []byte, error) {
	out := &boundedBuffer{max: checks.MaxOutput}
	res, err := ar.ExecTask(ctx, task, cmd, plugin.ExecStdio{Stdin: bytes.NewReader(nil), Stdout: out, Stderr: out})
	if err != nil {
		return 0, out.Bytes(), err
	}
	if res.Err != "" {
		return 0, out.Bytes(), errors.New(res.Err)
	}
	code := res.ExitCode
	if code == 0 && !res.Successful() {
		code = 1 // killed by a signal: not a success
	}
	return code, out.Bytes(), nil
}

// checkTaskStarted is when the task last started, zero when it is not
// running now.
func (ar *AllocRunner) checkTaskStarted(task string) time.Time {
	tr, ok := ar.tasks[task]
	if !ok {
		return time.Time{}
	}
	st := tr.TaskState()
	if st.State != structs.TaskStateRunning {
		return time.Time{}
	}
	return st.StartedAt
}

// checkRestart restarts a task whose check stayed failing, as a failure
// its restart policy counts.
func (ar *AllocRunner) checkRestart(task string, ev *structs.TaskEvent) {
	tr, ok := ar.tasks[task]
	if !ok {
		ar.logger.Warn("check_restart names a task the group does not have", "task", task)
		return
	}
	if err := tr.Restart(ev, true); err != nil {
		ar.logger.Warn("check_restart could not restart the task", "task", task, "error", err)
	}
}

// boundedBuffer keeps the first max bytes written to it and drops the
// rest, so that a chatty script cannot grow the client's memory.
type boundedBuffer struct {
	mu  sync.Mutex // guards buf: stdout and stderr write concurrently
	buf bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		if len(p) > room {
			b.buf.Write(p[:room])
		} else {
			b.buf.Write(p)
		}
	}
	return len(p), nil
}

func (b *boundedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}
