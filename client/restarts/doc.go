// Package restarts decides whether a task that stopped runs again, and
// after how long, following the group's restart policy the way Nomad
// documents it:
//
//	restart { attempts = 2  interval = "30m"  delay = "15s"  mode = "fail" }
//
// Within one interval a task is restarted at most attempts times, each
// after delay plus up to 25% random jitter. One more failure in the same
// interval either fails the task (mode "fail") or, in mode "delay", waits
// until the interval ends and starts counting afresh. A batch or sysbatch
// task that exits successfully is done; a service or system task that
// exits, successfully or not, is restarted. A start error the driver does
// not mark recoverable fails the task at once; a task the client killed is
// never restarted; a restart the user asked for happens at once and is not
// counted against the policy.
//
// The Tracker is pure: the time comes in as an argument to Next and the
// jitter from a *rand.Rand the caller seeds. It is not safe for concurrent
// use; one task runner owns it.
package restarts
