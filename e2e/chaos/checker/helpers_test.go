package checker

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// Constructors for synthetic histories. Times are in the recorder's
// nanoseconds; only their order matters to the checker.

func reg(client int, job, token string, call, ret int64, index uint64) history.Op {
	return history.Op{Client: client, Kind: history.Register, JobID: job, Token: token, OK: true, Index: index, Call: call, Return: ret}
}

func cas(client int, job, token string, check uint64, call, ret int64, index uint64) history.Op {
	op := reg(client, job, token, call, ret, index)
	op.CheckIndex = &check
	return op
}

func casFail(client int, job, token string, check uint64, call, ret int64) history.Op {
	op := cas(client, job, token, check, call, ret, 0)
	op.OK, op.CASFailed, op.Err = false, true, "index mismatch"
	return op
}

// casFailSaid is a refusal whose answer said the job's index, current
// (0: no such job).
func casFailSaid(client int, job, token string, check, current uint64, call, ret int64) history.Op {
	op := casFail(client, job, token, check, call, ret)
	op.CASCurrent = &current
	return op
}

func dereg(client int, job string, call, ret int64, index uint64) history.Op {
	return history.Op{Client: client, Kind: history.Deregister, JobID: job, OK: true, Index: index, Call: call, Return: ret}
}

func read(client int, job string, call, ret int64, token string, index uint64) history.Op {
	return history.Op{Client: client, Kind: history.Read, JobID: job, OK: true, Found: true,
		Entry: history.JobEntry{ID: job, Token: token, ModifyIndex: index}, Call: call, Return: ret}
}

func readAbsent(client int, job string, call, ret int64) history.Op {
	return history.Op{Client: client, Kind: history.Read, JobID: job, OK: true, Call: call, Return: ret}
}

func list(client int, prefix string, call, ret int64, jobs ...history.JobEntry) history.Op {
	return history.Op{Client: client, Kind: history.List, Prefix: prefix, OK: true, Jobs: jobs, Call: call, Return: ret}
}

func entry(id, token string, index uint64) history.JobEntry {
	return history.JobEntry{ID: id, Token: token, ModifyIndex: index}
}

// unknown makes op's outcome unknown, as a timeout records it.
func unknown(op history.Op) history.Op {
	op.OK, op.Unknown, op.Index, op.Err = false, true, 0, "context deadline exceeded"
	op.Return = op.Call + 1_000_000
	return op
}

// failed makes op a failure that is not a refused compare-and-set.
func failed(op history.Op, err string) history.Op {
	op.OK, op.Index, op.Err = false, 0, err
	return op
}

func stale(op history.Op) history.Op {
	op.Stale = true
	return op
}

// wantViolation fails unless some line contains every one of parts.
func wantViolation(t *testing.T, lines []string, parts ...string) {
	t.Helper()
	for _, l := range lines {
		all := true
		for _, p := range parts {
			if !strings.Contains(l, p) {
				all = false
				break
			}
		}
		if all {
			return
		}
	}
	t.Fatalf("no violation mentions %q; got:\n%s", parts, strings.Join(lines, "\n"))
}
