// Package chaos is the fault-injection suite (issue 17): a real cluster
// (package cluster), concurrent clients whose every call is recorded
// (workload, history), seeded fault schedules (nemesis), and a checker
// that reads the history for linearizability and every server's state at
// the end (checker). The suite itself is chaos_test.go, behind the
// `chaos` build tag so that `make e2e` does not run it; `make chaos`
// does.
package chaos
