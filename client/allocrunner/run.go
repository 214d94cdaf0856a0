package allocrunner

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sync"

	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Run runs the allocation and blocks until every task is terminal or the
// runner is shut down.
func (ar *AllocRunner) Run() {
	defer close(ar.waitCh)
	ar.mu.Lock()
	ar.runStarted = true
	stop := desiredStop(ar.alloc)
	if stop {
		ar.killing = true // nothing starts; no shutdown delay to wait
	}
	destroyed := ar.destroying
	first := ar.alloc
	ar.mu.Unlock()
	if destroyed {
		return
	}
	ar.noteTransition(first)

	err := os.MkdirAll(ar.cfg.AllocRoot, 0o755)
	if err == nil {
		err = ar.allocDir.Build(ar.names)
	}
	if err != nil {
		ar.logger.Error("failed to build the allocation directory", "error", err)
		ar.mu.Lock()
		ar.setupErr = err
		ar.mu.Unlock()
		ev := taskrunner.NewEvent(taskrunner.EventSetupFailure, fmt.Sprintf("failed to build the allocation directory: %v", err))
		ev.FailsTask = true
		for _, n := range ar.names {
			_ = ar.tasks[n].Kill(context.Background(), ev)
		}
		ar.sendUpdate()
		return
	}
	if stop {
		go ar.kill(false)
	} else if u := healthStrategy(ar.Alloc(), ar.group); u != nil {
		go ar.watchHealth(u)
	}
	if !stop {
		ar.startChecks() // checks.go
		defer ar.stopChecks()
	}
	if !stop {
		ar.startServices() // services.go
	}

	// The loop ends on the report it sent, never on a fresh look at the
	// tasks: a task that dies between the report and that look would
	// end the loop with its death unreported, and the servers would see
	// the allocation run forever. A death after the report has signalled
	// updateCh, so the next round reports it.
	var last *structs.Allocation
	for {
		ar.step()
		last = ar.Alloc()
		ar.report(last)
		ar.syncServices(last)
		if allDead(last) {
			break
		}
		select {
		case <-ar.updateCh:
		case <-ar.shutdownCh:
			ar.stopServices(false) // the tasks keep running
			ar.shutdownTasks()
			return
		}
	}
	ar.stopServices(true)
	// Every task is dead; let their runners finish (stop hooks).
	for _, n := range ar.names {
		ar.mu.Lock()
		started := ar.started[n]
		ar.mu.Unlock()
		if started {
			<-ar.tasks[n].WaitCh()
		}
	}
	// What the stop hooks recorded is reported too: the last report is
	// the allocation's final state.
	if final := ar.Alloc(); !sameReport(last, final) {
		ar.report(final)
	}
	ar.logger.Debug("allocation finished")
}

func desiredStop(a *structs.Allocation) bool {
	return a.DesiredStatus == structs.AllocDesiredStatusStop || a.DesiredStatus == structs.AllocDesiredStatusEvict
}

// allDead reports whether every task of the report a is dead for good.
func allDead(a *structs.Allocation) bool {
	for _, st := range a.TaskStates {
		if st == nil || st.State != structs.TaskStateDead {
			return false
		}
	}
	return true
}

// sameReport reports whether two reports carry the same client view.
func sameReport(a, b *structs.Allocation) bool {
	return a.ClientStatus == b.ClientStatus && a.ClientDescription == b.ClientDescription &&
		reflect.DeepEqual(a.TaskStates, b.TaskStates) && reflect.DeepEqual(a.DeploymentStatus, b.DeploymentStatus)
}

// killTask kills one task in the background; the run loop hears of its
// death through its state.
func (ar *AllocRunner) killTask(name string, reason *structs.TaskEvent) {
	tr := ar.tasks[name]
	go func() {
		if err := tr.Kill(context.Background(), reason); err != nil {
			ar.logger.Warn("failed to kill task", "task", name, "error", err)
		}
	}()
}

// kill stops the allocation: after the group's shutdown_delay the leader
// is killed first, then the others together, each waiting its own
// shutdown_delay before its kill signal (the order Nomad documents: the
// group's delay first, then the task's). Poststop tasks run afterwards,
// unless destroy is set, when they are killed too and no shutdown delay,
// the group's or a task's, is waited; a destroy also cuts short the
// delays a stop is already waiting. No delay is waited either once the
// server asked for none (shutdown_delay.go). It returns once the killed
// tasks are dead.
func (ar *AllocRunner) kill(destroy bool) {
	ar.mu.Lock()
	already := ar.killing
	ar.killing = true
	if destroy {
		ar.destroying = true
	}
	ar.mu.Unlock()
	if destroy {
		ar.skipShutdownDelays()
	}
	ar.taskStateChanged()
	// Services leave discovery before any delay is waited.
	ar.deregisterServices()

	if !destroy && !already && !ar.delaysSkipped() && ar.group.ShutdownDelay != nil && *ar.group.ShutdownDelay > 0 {
		d := *ar.group.ShutdownDelay
		ar.logger.Debug("waiting for the group's shutdown_delay before killing the tasks", "shutdown_delay", d)
		// The timer is armed before the events are recorded, so that
		// whoever sees an event may count on the timer.
		ch, stopTimer := ar.clock.NewTimer(d)
		for _, n := range ar.names {
			if tr := ar.tasks[n]; tr.TaskState().State == structs.TaskStateRunning {
				tr.EmitEvent(taskrunner.ShutdownDelayEvent(d, "group"))
			}
		}
		select {
		case <-ch:
		case <-ar.skipDelayCh:
			stopTimer()
		case <-ar.shutdownCh:
			stopTimer()
			return
		}
	}
	ctx := context.Background()
	if ar.leader != "" {
		if err := ar.tasks[ar.leader].Kill(ctx, nil); err != nil {
			ar.logger.Warn("failed to kill leader task", "task", ar.leader, "error", err)
		}
	}
	var wg sync.WaitGroup
	for _, n := range ar.names {
		tr := ar.tasks[n]
		if n == ar.leader || (!destroy && kindOf(tr.Task()) == kindPoststop) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tr.Kill(ctx, nil); err != nil {
				ar.logger.Warn("failed to kill task", "task", n, "error", err)
			}
		}()
	}
	wg.Wait()
}

// Update applies a newer server version of the allocation; a desired stop
// or evict kills the tasks.
func (ar *AllocRunner) Update(a *structs.Allocation) {
	if a == nil {
		return
	}
	ar.mu.Lock()
	if a.Job == nil {
		// An update without the job keeps the one the tasks run.
		c := *a
		c.Job = ar.alloc.Job
		a = &c
	}
	ar.alloc = a
	kill := desiredStop(a) && !ar.killing && ar.runStarted
	ar.mu.Unlock()
	// Before the kill starts, so that it waits no delay at all.
	ar.noteTransition(a)
	ar.taskStateChanged()
	if kill {
		go ar.kill(false)
	}
}

// Shutdown stops the runner for an agent stop or restart; tasks and their
// log collectors keep running. It returns once Run has returned.
func (ar *AllocRunner) Shutdown() {
	ar.shutdownOnce.Do(func() { close(ar.shutdownCh) })
	ar.mu.Lock()
	started := ar.runStarted
	ar.mu.Unlock()
	if started {
		<-ar.waitCh
	} else {
		ar.shutdownTasks()
	}
}

func (ar *AllocRunner) shutdownTasks() {
	var wg sync.WaitGroup
	for _, tr := range ar.tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.Shutdown()
		}()
	}
	wg.Wait()
}

// Destroy kills the tasks, stops their log collectors, destroys them in
// their drivers and removes the allocation's directory and local state.
// It returns once all of that is done.
func (ar *AllocRunner) Destroy() {
	ar.destroyOnce.Do(ar.destroy)
}

func (ar *AllocRunner) destroy() {
	ar.kill(true)
	ar.mu.Lock()
	started := ar.runStarted
	ar.mu.Unlock()
	if started {
		<-ar.waitCh
	}
	ctx := context.Background()
	for _, n := range ar.names {
		ar.tasks[n].Destroy(ctx)
	}
	if err := ar.allocDir.Destroy(); err != nil {
		ar.logger.Warn("failed to remove the allocation directory", "error", err)
	}
	if db := ar.cfg.StateDB; db != nil {
		if err := db.DeleteAllocation(ar.cfg.Alloc.ID); err != nil {
			ar.logger.Warn("failed to delete the allocation's local state", "error", err)
		}
	}
	ar.sendUpdate()
}
