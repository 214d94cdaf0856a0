package allocrunner

import (
	"github.com/nomadish/nomadish/client/allocrunner/taskrunner"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// taskKind is where a task sits in the group's lifecycle.
type taskKind int

const (
	kindMain taskKind = iota
	kindPrestart
	kindPrestartSidecar
	kindPoststart
	kindPoststartSidecar
	kindPoststop
)

func kindOf(t *structs.Task) taskKind {
	lc := t.Lifecycle
	if lc == nil {
		return kindMain
	}
	switch lc.Hook {
	case structs.TaskLifecycleHookPrestart:
		if lc.Sidecar {
			return kindPrestartSidecar
		}
		return kindPrestart
	case structs.TaskLifecycleHookPoststart:
		if lc.Sidecar {
			return kindPoststartSidecar
		}
		return kindPoststart
	case structs.TaskLifecycleHookPoststop:
		return kindPoststop
	}
	return kindMain
}

func (k taskKind) sidecar() bool { return k == kindPrestartSidecar || k == kindPoststartSidecar }

// step moves the allocation along its lifecycle from the tasks' current
// states: it starts the tasks whose turn came and kills the ones the
// group's rules say must die. It is called by the run loop on every
// change and is idempotent.
//
//	prestart (sidecar or not) → once the non-sidecar prestart tasks have
//	completed and the sidecars run: main tasks → once every main task has
//	started: poststart tasks → once every main task is dead: sidecars are
//	killed → once every other task is dead: poststop tasks.
//
// A failed task, or a dead leader, kills every other task but the
// poststop ones.
func (ar *AllocRunner) step() {
	states := ar.taskStates()
	kinds := make(map[string]taskKind, len(ar.names))
	for _, name := range ar.names {
		kinds[name] = kindOf(ar.tasks[name].Task())
	}
	dead := func(n string) bool { return states[n].State == structs.TaskStateDead }

	ar.mu.Lock()
	killing, destroying := ar.killing, ar.destroying
	var killSiblings *structs.TaskEvent
	var except string
	if !ar.siblingsKilled {
		for _, n := range ar.names {
			if kinds[n] == kindPoststop || !dead(n) {
				continue
			}
			if states[n].Failed {
				killSiblings, except = taskrunner.SiblingFailedEvent(n), n
				break
			}
			if n == ar.leader {
				killSiblings, except = taskrunner.LeaderDeadEvent(), n
				break
			}
		}
		if killSiblings != nil {
			// From now on only poststop tasks start.
			ar.siblingsKilled = true
			ar.killing = true
		}
	}
	ar.mu.Unlock()
	if killSiblings != nil {
		ar.logger.Info("killing the other tasks", "reason", killSiblings.Type, "task", except)
		for _, n := range ar.names {
			if n != except && kinds[n] != kindPoststop && !dead(n) {
				ar.killTask(n, killSiblings)
			}
		}
		killing = true
	}

	var prestartDone, sidecarsUp, mainsStarted, mainsDead, othersDead = true, true, true, true, true
	for _, n := range ar.names {
		st := states[n]
		switch kinds[n] {
		case kindPrestart:
			prestartDone = prestartDone && dead(n) && !st.Failed
		case kindPrestartSidecar:
			sidecarsUp = sidecarsUp && st.State == structs.TaskStateRunning
		case kindMain:
			mainsStarted = mainsStarted && (!st.StartedAt.IsZero() || dead(n))
			mainsDead = mainsDead && dead(n)
		}
		if kinds[n] != kindPoststop {
			othersDead = othersDead && dead(n)
		}
	}

	if !killing {
		ar.startKinds(kindPrestart, kindPrestartSidecar)
		if prestartDone && sidecarsUp {
			ar.startKinds(kindMain)
			if mainsStarted {
				ar.startKinds(kindPoststart, kindPoststartSidecar)
			}
		}
	}
	if mainsDead && !othersDead {
		ar.mu.Lock()
		first := !ar.mainsDeadHandled
		ar.mainsDeadHandled = true
		ar.mu.Unlock()
		if first {
			for _, n := range ar.names {
				if kinds[n].sidecar() && !dead(n) {
					ar.killTask(n, taskrunner.MainDeadEvent())
				}
			}
		}
	}
	if othersDead && !destroying {
		ar.startKinds(kindPoststop)
	}
}

// startKinds starts the runners of the tasks of those kinds not yet
// started.
func (ar *AllocRunner) startKinds(kinds ...taskKind) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	for _, n := range ar.names {
		tr := ar.tasks[n]
		k := kindOf(tr.Task())
		for _, want := range kinds {
			if k == want && !ar.started[n] {
				ar.started[n] = true
				go tr.Run()
			}
		}
	}
}
