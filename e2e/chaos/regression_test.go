//go:build chaos

package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nomadish/nomadish/e2e/chaos/cluster"
)

// regressions are the schedules that found a bug, run again by every
// `make chaos` before the random ones. A seed fixes the schedule of faults
// (what, to whom, when), not the interleaving of the workload's requests,
// so a replay is a likely rather than a certain reproduction; the bug each
// found also has a unit test of its own, named here.
var regressions = []struct {
	seed     uint64
	servers  int
	schedule time.Duration // the CHAOS_SCHEDULE it was found with: it shapes the schedule
	found    string
}{
	{1, 3, 20 * time.Second, "two check-index registers of one index both succeeded (TestFSMJobRegisterEnforcesIndexAtApply); " +
		"a register answered a later write's index; a paused leader served an old state to a default read"},
	{101, 5, 45 * time.Second, "a server killed after a log suffix truncation could not start again: raft-wal's sealed " +
		"segment without an index block (TestWALReopensAfterTailTruncation)"},
	{1043, 5, 45 * time.Second, "an allocation placed on a node marked down one index before the plan committed " +
		"(TestPlanCommitLeavesOutPlacementsOnDownNodes)"},
}

// TestChaosRegressions runs the kept seeds, each with the server count it
// was found with.
func TestChaosRegressions(t *testing.T) {
	s := loadSettings(t)
	if err := cluster.Preflight(); err != nil {
		if s.require {
			t.Fatalf("the chaos suite cannot run here and CHAOS_REQUIRE=1: %v", err)
		}
		t.Skipf("skipping the chaos suite: %v", err)
	}
	bin := os.Getenv("NOMADISH_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "nomadish")
	}
	bin, _ = filepath.Abs(bin)
	for _, r := range regressions {
		rs := s
		rs.servers, rs.schedule = r.servers, r.schedule
		t.Run(fmt.Sprintf("seed=%d,servers=%d", r.seed, r.servers), func(t *testing.T) {
			t.Logf("found: %s", r.found)
			rep := runSchedule(t, rs, bin, r.seed)
			t.Logf("seed %d: %d operations, %d violations", r.seed, rep.ops, len(rep.violations))
		})
	}
}
