package checks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// EventRestartingForCheck is the task event type recorded when
// check_restart restarts a task ("Restart Signaled", as Nomad records it).
const EventRestartingForCheck = "Restart Signaled"

// restartTask is the task a check's check_restart restarts: the service's
// task, else (a group service) the task the check names.
func (c *Check) restartTask() string {
	if c.Task != "" {
		return c.Task
	}
	return c.ExecTask
}

// judgeRestartLocked counts the check's failing results since its task
// last started, ignoring those within grace, and returns the task to
// restart and the event to record once limit of them came in a row. The
// count starts again after a success and after the task restarts. With
// ignore_warnings, a warning counts as passing; native checks report no
// warnings, so only failures count in either case.
func (t *Tracker) judgeRestartLocked(st *checkState, now time.Time) (string, *structs.TaskEvent) {
	c := st.check
	cr := c.Restart
	task := c.restartTask()
	if cr == nil || cr.Limit <= 0 || task == "" || t.cfg.TaskStarted == nil || t.cfg.Restart == nil {
		return "", nil
	}
	started := t.cfg.TaskStarted(task)
	if started.IsZero() {
		st.restartFails = 0
		return "", nil
	}
	if !started.Equal(st.restartStart) {
		st.restartStart = started
		st.restartFails = 0
	}
	if now.Before(started.Add(cr.Grace)) {
		return "", nil
	}
	if st.status != structs.CheckFailure {
		st.restartFails = 0
		return "", nil
	}
	st.restartFails++
	if st.restartFails < cr.Limit {
		return "", nil
	}
	st.restartFails = 0
	return task, CheckRestartEvent(c.Def.Name, cr.Limit)
}

// CheckRestartEvent is the task event of a restart by check_restart.
func CheckRestartEvent(check string, limit int) *structs.TaskEvent {
	msg := fmt.Sprintf("check %q failed %d times; restarting", check, limit)
	return &structs.TaskEvent{
		Type: EventRestartingForCheck, Message: msg, DisplayMessage: msg,
		Details: map[string]string{"check": check, "failures": strconv.Itoa(limit), "restart_reason": msg},
	}
}
