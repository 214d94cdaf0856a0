package allocrunner

import (
	"fmt"
	"time"

	"github.com/nomadish/nomadish/client/checks"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Deployment health.
//
// An allocation placed by a deployment (it carries a DeploymentID and its
// group has an update block) tells the servers once whether it came up
// healthy; the leader's deployment watcher moves the deployment on from
// that. The runner decides as Nomad's health_check documents:
//
//   - "checks" (the default): healthy once every tracked task has been
//     running, without a failure or restart, and every check of the
//     allocation's services has been passing (client/checks; readiness
//     checks, on_update = "ignore", do not count), together and without a
//     break, for the group's min_healthy_time. A group without checks is
//     judged by its tasks alone.
//   - "task_states": the same, without the checks.
//   - unhealthy, either way, as soon as a tracked task fails or restarts
//     first (check_restart's restarts included), or when healthy_deadline
//     (counted from when the runner began watching) passes first; a check
//     that is critical only keeps the allocation from becoming healthy.
//   - "manual": the runner decides nothing; the health is set through
//     PUT /v1/deployment/allocation-health/:id (deployment set-health).
//
// Tracked tasks are the main tasks and the sidecars; ephemeral prestart
// and poststart tasks and poststop tasks are not. The verdict is set once
// and never flipped back; an allocation whose server copy already carries
// a verdict (a restored runner) is not watched again. Time comes from the
// runner's Clock.

// Values of update.health_check.
const (
	healthCheckChecks     = "checks"
	healthCheckTaskStates = "task_states"
	healthCheckManual     = "manual"
)

// healthStrategy returns the update strategy by which the runner must
// judge a's deployment health, or nil when it must not.
func healthStrategy(a *structs.Allocation, tg *structs.TaskGroup) *structs.UpdateStrategy {
	if a.DeploymentID == "" || tg == nil || tg.Update == nil {
		return nil
	}
	if a.DeploymentStatus != nil && a.DeploymentStatus.Healthy != nil {
		return nil
	}
	if tg.Update.HealthCheck == healthCheckManual {
		return nil
	}
	return tg.Update
}

// healthTracked reports whether a task of kind k counts toward health.
func healthTracked(k taskKind) bool {
	switch k {
	case kindMain, kindPrestartSidecar, kindPoststartSidecar:
		return true
	}
	return false
}

// healthJudge decides an allocation's health from the task states it is
// shown over time. It is owned by one goroutine.
type healthJudge struct {
	tracked    []string
	minHealthy time.Duration
	deadline   time.Time         // zero: none
	baseline   map[string]uint64 // each task's restarts when watching began
	// runningSince is when every tracked task was first seen running
	// (and the checks passing) in the current unbroken stretch; zero when
	// one is not running.
	runningSince time.Time
	// checks is the allocation's checks' folded health
	// (checks.HealthPassing, ...); nil when they do not count.
	checks func() string
}

// healthVerdict is what one observation concluded.
type healthVerdict struct {
	decided bool
	healthy bool
	reason  string
	// at, when decided, is when the verdict was reached: the end of
	// min_healthy_time or the deadline, though observed a little later.
	at time.Time
	// wakeAt, when not decided, is when to look again even if no task
	// changes (min_healthy_time or healthy_deadline reached); zero: only
	// on a change.
	wakeAt time.Time
}

func newHealthJudge(tracked []string, u *structs.UpdateStrategy, states map[string]*structs.TaskState, now time.Time, checksHealth func() string) *healthJudge {
	j := &healthJudge{tracked: tracked, minHealthy: u.MinHealthyTime, baseline: map[string]uint64{}, checks: checksHealth}
	if u.HealthyDeadline > 0 {
		j.deadline = now.Add(u.HealthyDeadline)
	}
	for _, n := range tracked {
		if st := states[n]; st != nil {
			j.baseline[n] = st.Restarts
		}
	}
	return j
}

// observe judges the tasks' states at now.
func (j *healthJudge) observe(states map[string]*structs.TaskState, now time.Time) healthVerdict {
	allRunning := true
	for _, n := range j.tracked {
		st := states[n]
		if st == nil {
			allRunning = false
			continue
		}
		if st.Failed {
			return healthVerdict{decided: true, reason: fmt.Sprintf("task %q failed", n), at: now}
		}
		if st.Restarts > j.baseline[n] {
			return healthVerdict{decided: true, reason: fmt.Sprintf("task %q restarted", n), at: now}
		}
		if st.State != structs.TaskStateRunning {
			allRunning = false
		}
	}
	checkHealth := ""
	if allRunning && j.checks != nil {
		checkHealth = j.checks()
	}
	var v healthVerdict
	if allRunning && (j.checks == nil || checkHealth == checks.HealthPassing) {
		if j.runningSince.IsZero() {
			j.runningSince = now
		}
		healthyAt := j.runningSince.Add(j.minHealthy)
		if !now.Before(healthyAt) {
			reason := "tasks running for min_healthy_time"
			if j.checks != nil {
				reason = "tasks running and checks passing for min_healthy_time"
			}
			return healthVerdict{decided: true, healthy: true, reason: reason, at: healthyAt}
		}
		v.wakeAt = healthyAt
	} else {
		j.runningSince = time.Time{}
	}
	if !j.deadline.IsZero() {
		if !now.Before(j.deadline) {
			reason := "healthy_deadline passed"
			if checkHealth != "" && checkHealth != checks.HealthPassing {
				reason += " with the checks " + checkHealth
			}
			return healthVerdict{decided: true, reason: reason, at: j.deadline}
		}
		if v.wakeAt.IsZero() || j.deadline.Before(v.wakeAt) {
			v.wakeAt = j.deadline
		}
	}
	return v
}

// watchHealth judges the allocation's deployment health by u until it is
// decided, the allocation is stopped, or the runner ends. Run starts it.
func (ar *AllocRunner) watchHealth(u *structs.UpdateStrategy) {
	var tracked []string
	for _, n := range ar.names {
		if healthTracked(kindOf(ar.tasks[n].Task())) {
			tracked = append(tracked, n)
		}
	}
	var checksHealth func() string
	if u.HealthCheck != healthCheckTaskStates && len(checks.AllocChecks(ar.cfg.Alloc)) > 0 {
		checksHealth = func() string {
			if t := ar.CheckTracker(); t != nil {
				return t.AllocHealth()
			}
			return checks.HealthPending // not started yet
		}
	}
	j := newHealthJudge(tracked, u, ar.taskStates(), ar.clock.Now(), checksHealth)
	for {
		ar.mu.Lock()
		// A desired stop ends the watch without a verdict; a failed
		// task's killing of its siblings is judged below.
		stopped := desiredStop(ar.alloc) || ar.destroying || (ar.killing && !ar.siblingsKilled)
		ar.mu.Unlock()
		if stopped {
			return
		}
		now := ar.clock.Now()
		v := j.observe(ar.taskStates(), now)
		if v.decided {
			ar.setHealth(v.healthy, v.at, v.reason)
			return
		}
		var timerCh <-chan time.Time
		stopTimer := func() bool { return false }
		if !v.wakeAt.IsZero() {
			timerCh, stopTimer = ar.clock.NewTimer(v.wakeAt.Sub(now))
		}
		select {
		case <-ar.healthCh:
		case <-timerCh:
		case <-ar.shutdownCh:
			stopTimer()
			return
		case <-ar.waitCh:
			stopTimer()
			return
		}
		stopTimer()
	}
}

// checksChanged wakes the health watcher when a check's result changed
// a service's health.
func (ar *AllocRunner) checksChanged() {
	select {
	case ar.healthCh <- struct{}{}:
	default:
	}
}

// setHealth records the verdict and wakes the run loop to report it.
func (ar *AllocRunner) setHealth(healthy bool, at time.Time, reason string) {
	ar.mu.Lock()
	if ar.health == nil {
		ar.health = &structs.AllocDeploymentStatus{Healthy: &healthy, Timestamp: at}
	}
	ar.mu.Unlock()
	ar.logger.Info("allocation deployment health decided", "healthy", healthy, "reason", reason)
	ar.taskStateChanged()
}
