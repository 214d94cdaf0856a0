package structs

// validateTaskTimes checks a task's shutdown_delay and max_run_duration.
//
// shutdown_delay may be zero (no delay) or positive. max_run_duration, a
// nomadish extension, is a deadline for one run of a task that is meant to
// finish: so it must be positive when set, and it is accepted only where a
// task is expected to end by itself, that is in batch and sysbatch jobs, and
// in service and system jobs only on prestart, poststart or poststop tasks
// that are not sidecars. On a long-running service task a deadline would turn
// every healthy allocation into a failed one after a fixed time, which is
// never what a service wants; refusing it says so at registration instead.
func validateTaskTimes(v validator, j *Job, t *Task) {
	if t.ShutdownDelay < 0 {
		v.fail("ShutdownDelay", "must not be negative, got %s; accepted: a duration of 0 or more such as \"5s\"", t.ShutdownDelay)
	}
	if t.MaxRunDuration == nil {
		return
	}
	if d := *t.MaxRunDuration; d <= 0 {
		v.fail("MaxRunDuration", "must be greater than 0, got %s; accepted: a positive duration such as \"30m\", or leave it out for no deadline", d)
		return
	}
	switch j.Type {
	case JobTypeBatch, JobTypeSysBatch, "":
		// An empty type is reported by Job.ValidateWith; do not add a
		// second, confusing problem for it here.
		return
	}
	if l := t.Lifecycle; l != nil && !l.Sidecar && l.Hook != "" {
		return
	}
	v.fail("MaxRunDuration", "only batch and sysbatch jobs, or prestart, poststart and poststop tasks that are not sidecars, may set a max_run_duration; this task of a %s job runs until it is stopped", j.Type)
}
