// Package panics records panics recovered at a boundary of the agent: an
// HTTP handler, an RPC call, a scheduler run, a dry-run plan, a
// fingerprinter. A recovered panic keeps the agent alive, but it is always
// a bug: Recovered logs it with its stack, counts it in the
// nomad.runtime.recovered_panic metric and in a process-wide counter that
// the test suites check after their last test (see CheckMain), so a panic
// seen anywhere in a package's tests fails that package.
//
// It must not import anything of ours: every layer calls it.
package panics

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
)

var (
	recovered atomic.Int64 // every panic Recovered saw
	allowed   atomic.Int64 // those that tests provoked on purpose (Allow)
)

// Recovered reports a panic value p recovered at boundary where (for
// example "http", "rpc", "scheduler"), with detail naming the request. It
// logs at error level with the stack of the goroutine that panicked, so it
// must be called from the deferred function that recovered p.
func Recovered(logger hclog.Logger, where, detail string, p interface{}) {
	recovered.Add(1)
	metrics.IncrCounterWithLabels([]string{"nomad", "runtime", "recovered_panic"}, 1,
		[]metrics.Label{{Name: "where", Value: where}})
	if logger != nil {
		logger.Error("recovered panic: this is a bug", "where", where, "detail", detail,
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// Count is the number of panics recovered in this process so far.
func Count() int64 { return recovered.Load() }

// Allow marks the panics recovered while test t runs as provoked on
// purpose, so CheckMain does not count them. Tests that use it should not
// run in parallel with others, or a real panic of theirs may be excused.
func Allow(t interface{ Cleanup(func()) }) {
	start := recovered.Load()
	t.Cleanup(func() { allowed.Add(recovered.Load() - start) })
}

// CheckMain runs a package's tests (m is the *testing.M of TestMain) and
// fails the run when any panic was recovered that no test allowed:
//
//	func TestMain(m *testing.M) { os.Exit(panics.CheckMain(m)) }
func CheckMain(m interface{ Run() int }) int {
	code := m.Run()
	if n := recovered.Load() - allowed.Load(); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d panic(s) were recovered during the tests (search the output for \"recovered panic\"); each is a bug\n", n)
		if code == 0 {
			code = 1
		}
	}
	return code
}
