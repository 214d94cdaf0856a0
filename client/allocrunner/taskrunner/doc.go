// Package taskrunner runs one task of an allocation through its driver:
// prestart hooks (validate, taskdir, env, logmon, artifacts, templates)
// prepare the task, the driver starts it, poststart hooks (stats, driver
// events) watch it, and the runner waits for it to exit and asks the
// restart policy (client/restarts) whether to start it again. Every change
// of the task's state is persisted (client/state) and reported through a
// callback, and the driver's handle is persisted so that a restarted agent
// recovers the task instead of starting it again. A kill waits the task's
// shutdown_delay before the kill signal (shutdown_delay.go), and a task
// past its max_run_duration is killed and failed (max_run_duration.go).
//
// The package must not decide anything about the allocation as a whole
// (lifecycle order, sibling kills, client status): that is allocrunner's.
// It reaches the driver only through DriverManager, by name, each time,
// because a driver plugin may have been relaunched in between.
package taskrunner
