// Package allocrunner runs one allocation on the client: it builds the
// allocation directory, runs a taskrunner.TaskRunner per task in the
// group's lifecycle order (prestart tasks, then main tasks, poststart once
// the main tasks run, poststop once they are dead), kills siblings when a
// leader or a failed main task dies, and reports the allocation's client
// status and task states through Config.Updater on every change. For an
// allocation placed by a deployment it also decides, once, whether the
// allocation came up healthy (health.go) and reports that with the rest.
//
// The flow: New → (Restore, after an agent restart) → Run, which blocks
// until every task is terminal. Update applies a newer server version of
// the allocation (a desired stop kills the tasks after the group's
// shutdown_delay); Shutdown stops the runner's goroutines but leaves the
// tasks and their log collectors running for the next agent; Destroy kills
// everything and removes the allocation's directory and local state.
//
// The package must not talk to the servers (the client does that with what
// Updater hands it) and must not import any driver: tasks are reached only
// through DriverManager, by driver name, each time they are needed.
package allocrunner
