package checker

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// checkTimeout bounds every search in these tests; the histories are
// small enough that none comes near it, and a test that did would fail
// on TimedOut rather than pass.
const checkTimeout = 30 * time.Second

func TestCheckJobsAccepts(t *testing.T) {
	cases := []struct {
		name string
		ops  []history.Op
	}{
		{"sequential writes and reads", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			read(1, "a", 20, 30, "t1", 5),
			reg(0, "a", "t2", 40, 50, 8),
			read(1, "a", 60, 70, "t2", 8),
			dereg(0, "a", 80, 90, 9),
			readAbsent(1, "a", 100, 110),
			reg(0, "a", "t3", 120, 130, 12),
			read(1, "a", 140, 150, "t3", 12),
		}},
		{"a read concurrent with a write sees either side", []history.Op{
			reg(0, "a", "t1", 0, 100, 5),
			readAbsent(1, "a", 10, 20),
			read(2, "a", 30, 40, "t1", 5),
		}},
		{"reads on both sides of two concurrent writes agree on one order", []history.Op{
			reg(0, "a", "t1", 0, 100, 7),
			reg(1, "a", "t2", 0, 100, 5),
			read(2, "a", 110, 120, "t1", 7),
		}},
		{"compare-and-set chain", []history.Op{
			cas(0, "a", "t1", 0, 0, 10, 5),
			cas(1, "a", "t2", 5, 20, 30, 7),
			casFail(2, "a", "t3", 5, 40, 50),
			casFail(2, "a", "t3", 0, 60, 70),
			read(0, "a", 80, 90, "t2", 7),
		}},
		{"concurrent compare-and-sets, one wins", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			cas(1, "a", "t2", 5, 20, 40, 7),
			casFail(2, "a", "t3", 5, 25, 35),
			read(0, "a", 50, 60, "t2", 7),
		}},
		{"an unknown register that took effect", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 5),
			read(2, "a", 60, 70, "t2", 9),
			cas(0, "a", "t3", 9, 80, 90, 11),
		}},
		{"an unknown register that never took effect", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 5),
			read(2, "a", 1e9, 1e9+10, "t1", 5),
		}},
		{"an unknown compare-and-set after an unknown register", []history.Op{
			unknown(reg(1, "a", "t1", 0, 10, 0)),
			unknown(cas(1, "a", "t2", 4, 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 4),
		}},
		{"a refused compare-and-set against an unknown index", []history.Op{
			unknown(reg(1, "a", "t1", 0, 10, 0)),
			casFail(2, "a", "t2", 4, 20, 30),
			read(2, "a", 40, 50, "t1", 6),
		}},
		{"an unknown register explains a later refusal", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 5),
			casFail(2, "a", "t3", 5, 1000, 1010),
		}},
		{"an unknown register explains an index a refusal reported", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
			casFailSaid(2, "a", "t3", 5, 9, 1000, 1010),
			cas(2, "a", "t4", 9, 1020, 1030, 12),
			read(0, "a", 1040, 1050, "t4", 12),
		}},
		{"an unknown deregister explains a later absence", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(dereg(1, "a", 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 5),
			casFailSaid(2, "a", "t3", 5, 0, 1000, 1010),
			readAbsent(2, "a", 1020, 1030),
		}},
		{"refusals that said what the job was", []history.Op{
			casFailSaid(0, "a", "t1", 3, 0, 0, 10),
			reg(0, "a", "t2", 20, 30, 5),
			casFailSaid(1, "a", "t3", 0, 5, 40, 50),
			casFailSaid(1, "a", "t3", 4, 5, 40, 50),
		}},
		{"an unknown deregister either way", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(dereg(1, "a", 20, 30, 0)),
			read(2, "a", 40, 50, "t1", 5),
			readAbsent(2, "a", 60, 70),
			reg(0, "b", "u1", 0, 10, 6),
			unknown(dereg(1, "b", 20, 30, 0)),
			read(2, "b", 1e9, 1e9+10, "u1", 6),
		}},
		{"a failed write had no effect", []history.Op{
			failed(reg(0, "a", "t1", 0, 10, 0), "no cluster leader"),
			failed(dereg(0, "b", 0, 10, 0), "job not found"),
			readAbsent(1, "a", 20, 30),
		}},
		{"a purge of a job already gone", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			dereg(1, "a", 20, 40, 6),
			dereg(2, "a", 20, 40, 7),
			readAbsent(0, "a", 50, 60),
		}},
		{"an identical resubmission keeps its index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(1, "a", "t1", 20, 30, 5),
			read(0, "a", 40, 50, "t1", 5),
		}},
		{"a list that agrees with the writes", []history.Op{
			reg(0, "p-a", "t1", 0, 10, 5),
			reg(0, "p-b", "u1", 20, 30, 6),
			reg(0, "q-c", "v1", 20, 30, 7), // outside the prefix: not read as absent
			list(1, "p-", 40, 50, entry("p-a", "t1", 5), entry("p-b", "u1", 6)),
			dereg(0, "p-a", 60, 70, 8),
			list(1, "p-", 80, 90, entry("p-b", "u1", 6)),
		}},
		{"a stale read of an older value", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t2", 20, 30, 7),
			stale(read(1, "a", 40, 50, "t1", 5)),
			stale(readAbsent(1, "a", 60, 70)),
			// Going back in index is not promised for stale reads.
			stale(read(1, "a", 80, 90, "t2", 7)),
			stale(read(1, "a", 100, 110, "t1", 5)),
			stale(list(1, "", 120, 130, entry("a", "t1", 5))),
		}},
		{"a stale read of a write still in flight", []history.Op{
			reg(0, "a", "t1", 0, 100, 5),
			stale(read(1, "a", 10, 20, "t1", 5)),
		}},
		{"unanswered reads tell nothing", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(read(1, "a", 20, 30, "t9", 99)),
			failed(read(1, "a", 20, 30, "t9", 99), "no cluster leader"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := CheckJobs(tc.ops, checkTimeout)
			if !res.OK || res.TimedOut || len(res.Violations) > 0 {
				t.Fatalf("rejected a valid history: timed out %v, violations:\n%s", res.TimedOut, strings.Join(res.Violations, "\n"))
			}
			if res.Ops != len(tc.ops) {
				t.Errorf("Ops = %d, want %d", res.Ops, len(tc.ops))
			}
		})
	}
}

func TestCheckJobsFinds(t *testing.T) {
	cases := []struct {
		name string
		ops  []history.Op
		want []string // parts of one violation line
	}{
		{"a read of a value never written", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			read(1, "a", 20, 30, "t9", 5),
		}, []string{`job "a"`, "no linearizable order", `"t9"`}},
		{"a read of a job never written", []history.Op{
			read(1, "a", 20, 30, "t9", 5),
		}, []string{`job "a"`, "no linearizable order", "absent"}},
		{"a stale read where ?stale was not asked", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t2", 20, 30, 7),
			read(1, "a", 40, 50, "t1", 5),
		}, []string{`job "a"`, `read() -> "t1" index 5`, "op 2, client 1"}},
		{"a lost acknowledged write", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			readAbsent(1, "a", 20, 30),
		}, []string{`job "a"`, "read() -> absent"}},
		{"a lost acknowledged purge", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			dereg(0, "a", 20, 30, 6),
			read(1, "a", 40, 50, "t1", 5),
		}, []string{`job "a"`, "no linearizable order"}},
		{"two compare-and-set successes on one index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			cas(1, "a", "t2", 5, 20, 40, 7),
			cas(2, "a", "t3", 5, 25, 35, 8),
		}, []string{`job "a"`, "check-index 5"}},
		{"a compare-and-set refused although its index matched", []history.Op{
			cas(0, "a", "t1", 0, 0, 10, 5),
			casFail(1, "a", "t2", 5, 20, 30),
		}, []string{`job "a"`, "index mismatch"}},
		{"a must-not-exist compare-and-set refused on no job", []history.Op{
			casFail(1, "a", "t1", 0, 20, 30),
		}, []string{`job "a"`, "index mismatch"}},
		{"a refusal that reports a wrong index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			casFailSaid(1, "a", "t2", 4, 6, 20, 30),
		}, []string{`job "a"`, "index mismatch, job at index 6"}},
		{"a refusal that says there is no job while there is one", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			casFailSaid(1, "a", "t2", 4, 0, 20, 30),
		}, []string{`job "a"`, "index mismatch, no such job"}},
		{"a refusal that reports the index it was asked for", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 12, 14, 0)),
			casFailSaid(1, "a", "t3", 7, 7, 20, 30),
		}, []string{`job "a"`, "index mismatch, job at index 7"}},
		{"a read going back in time", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			reg(0, "a", "t2", 20, 30, 7),
			read(1, "a", 40, 50, "t2", 7),
			read(2, "a", 60, 70, "t1", 5),
		}, []string{`job "a"`, `"t1" index 5`}},
		{"an unknown write seen and then unseen", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			unknown(reg(1, "a", "t2", 20, 30, 0)),
			read(2, "a", 40, 50, "t2", 9),
			read(2, "a", 60, 70, "t1", 5),
		}, []string{`job "a"`, "no linearizable order"}},
		{"an index that goes backwards on one job", []history.Op{
			reg(0, "a", "t1", 0, 10, 10),
			reg(0, "a", "t2", 20, 30, 8),
		}, []string{`job "a"`, `register("t2") -> ok index 8`}},
		{"a write that repeats its predecessor's index", []history.Op{
			reg(0, "a", "t1", 0, 10, 10),
			reg(0, "a", "t2", 20, 30, 10),
		}, []string{`job "a"`, `register("t2") -> ok index 10`}},
		{"an index that goes backwards across jobs", []history.Op{
			reg(0, "a", "t1", 0, 10, 10),
			reg(1, "b", "u1", 20, 30, 8),
		}, []string{`job "b"`, "given index 8", `index 10 (job "a")`}},
		{"a write below an index a read had seen", []history.Op{
			reg(0, "a", "t1", 0, 10, 10),
			read(1, "a", 20, 30, "t1", 10),
			dereg(2, "b", 40, 50, 9),
		}, []string{`job "b"`, "deregister", "given index 9"}},
		{"a list that misses an acknowledged job", []history.Op{
			reg(0, "p-a", "t1", 0, 10, 5),
			reg(0, "p-b", "u1", 0, 10, 6),
			list(1, "p-", 20, 30, entry("p-b", "u1", 6)),
		}, []string{`job "p-a"`, "read() -> absent", "from a list"}},
		{"a list that shows a job never written", []history.Op{
			list(1, "p-", 20, 30, entry("p-z", "t1", 6)),
		}, []string{`job "p-z"`, "no linearizable order"}},
		{"a list that returns a job twice", []history.Op{
			reg(0, "p-a", "t1", 0, 10, 5),
			list(1, "p-", 20, 30, entry("p-a", "t1", 5), entry("p-a", "t1", 5)),
		}, []string{`job "p-a"`, "twice"}},
		{"a list that returns a job outside its prefix", []history.Op{
			reg(0, "q-a", "t1", 0, 10, 5),
			list(1, "p-", 20, 30, entry("q-a", "t1", 5)),
		}, []string{`job "q-a"`, `prefix "p-"`}},
		{"a stale read of a token never written", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			stale(read(1, "a", 20, 30, "t9", 5)),
		}, []string{`job "a"`, "stale read", `"t9"`, "no register"}},
		{"a read of a write that definitely failed", []history.Op{
			failed(reg(0, "a", "t1", 0, 10, 0), "no cluster leader"),
			read(1, "a", 20, 30, "t1", 5),
		}, []string{`job "a"`, "no linearizable order"}},
		{"a stale read of a refused compare-and-set", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			casFail(0, "a", "t2", 4, 20, 30),
			stale(read(1, "a", 40, 50, "t2", 6)),
		}, []string{`job "a"`, "stale read", `"t2"`}},
		{"a stale read from the future", []history.Op{
			stale(read(1, "a", 0, 10, "t1", 5)),
			reg(0, "a", "t1", 20, 30, 5),
		}, []string{`job "a"`, "stale read", "before any register"}},
		{"a stale read with the wrong index", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			stale(read(1, "a", 20, 30, "t1", 6)),
		}, []string{`job "a"`, "stale read", "index 6", "index 5"}},
		{"a stale list of a token never written", []history.Op{
			reg(0, "a", "t1", 0, 10, 5),
			stale(list(1, "", 20, 30, entry("a", "t9", 5))),
		}, []string{`job "a"`, "stale read", "from a list", `"t9"`}},
		{"a register without a job ID", []history.Op{
			reg(0, "", "t1", 0, 10, 5),
		}, []string{"register", "no job ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := CheckJobs(tc.ops, checkTimeout)
			if res.OK {
				t.Fatal("accepted a history with a violation")
			}
			if res.TimedOut {
				t.Fatal("timed out")
			}
			wantViolation(t, res.Violations, tc.want...)
			t.Log(strings.Join(res.Violations, "\n"))
		})
	}
}

// TestCheckJobsListIsCheckedPerJob pins down what splitting a List per
// job does not catch: no instant has p-a at t2 and p-b at u1 (p-b's
// write of u2 returned before p-a's write of t2 began), but each job's
// observation alone fits inside the list's interval. If the checker is
// ever made to check lists as snapshots, this test should flip.
func TestCheckJobsListIsCheckedPerJob(t *testing.T) {
	ops := []history.Op{
		reg(0, "p-a", "t1", 0, 5, 1),
		reg(0, "p-b", "u1", 0, 5, 2),
		reg(0, "p-b", "u2", 20, 30, 3),
		reg(0, "p-a", "t2", 40, 50, 4),
		list(1, "p-", 10, 60, entry("p-a", "t2", 4), entry("p-b", "u1", 2)),
	}
	if res := CheckJobs(ops, checkTimeout); !res.OK {
		t.Fatalf("violations: %s", strings.Join(res.Violations, "\n"))
	}
}

func TestCheckJobsTimeoutIsNotOK(t *testing.T) {
	ops := []history.Op{reg(0, "a", "t1", 0, 10, 5), read(1, "a", 20, 30, "t1", 5)}
	// A clock that jumps an hour at every reading has used up any
	// budget before the first job ID is searched.
	clock := time.Unix(0, 0)
	now := func() time.Time { clock = clock.Add(time.Hour); return clock }
	res := checkJobs(ops, time.Second, now)
	if !res.TimedOut || res.OK {
		t.Fatalf("OK %v, TimedOut %v; want a timed-out, not OK result", res.OK, res.TimedOut)
	}
	if len(res.Violations) != 0 {
		t.Fatalf("a timeout is not a violation; got %q", res.Violations)
	}
}

func TestWriteVisualization(t *testing.T) {
	dir := t.TempDir()
	ok := CheckJobs([]history.Op{reg(0, "a", "t1", 0, 10, 5)}, checkTimeout)
	if err := ok.WriteVisualization(dir); err != nil || ok.Visualization != "" {
		t.Fatalf("a passing result wrote %q, %v", ok.Visualization, err)
	}

	bad := CheckJobs([]history.Op{
		reg(0, "ns/a b", "t1", 0, 10, 5),
		readAbsent(1, "ns/a b", 20, 30),
	}, checkTimeout)
	if err := bad.WriteVisualization(dir); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(bad.Visualization, dir) || !strings.HasSuffix(bad.Visualization, "jobs-ns_a_b.html") {
		t.Fatalf("Visualization = %q, want a file under %s named for the job", bad.Visualization, dir)
	}
	html, err := os.ReadFile(bad.Visualization)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), `read()`) {
		t.Fatal("the visualization does not describe the operations")
	}
}
