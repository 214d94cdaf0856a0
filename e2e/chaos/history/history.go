// Package history records what the chaos suite's workloads asked of the
// cluster and what they were told, with the time each call began and
// ended, as Jepsen records a history: the checker reads it afterwards and
// decides whether some linearizable order of the operations explains every
// answer.
//
// A call whose outcome the client cannot know (a timeout, a connection
// reset after the request was sent) is recorded as Unknown: it may or may
// not have taken effect, and the checker must accept either.
package history

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"
)

// Kind is what an operation did.
type Kind string

// The operations of the job-table workload and the node workload.
const (
	// Register writes a job whose Meta["chaos_token"] is Token. With
	// CheckIndex set it is a compare-and-set (`job run -check-index`):
	// *CheckIndex == 0 means the job must not exist, any other value must
	// equal the job's current JobModifyIndex.
	Register Kind = "register"
	// Deregister purges a job.
	Deregister Kind = "deregister"
	// Read reads one job: Found, its Token and its JobModifyIndex.
	Read Kind = "read"
	// List lists the jobs with the workload's prefix: Jobs.
	List Kind = "list"
	// NodeRegister registers a node; Heartbeat renews it; AllocRead reads
	// the allocations of a job. They are recorded for the end-state checks
	// and for reporting, not for the job-table model.
	NodeRegister Kind = "node-register"
	Heartbeat    Kind = "heartbeat"
	AllocRead    Kind = "alloc-read"
)

// JobEntry is one job as a list or read saw it.
type JobEntry struct {
	ID          string
	Token       string
	ModifyIndex uint64 // the job's JobModifyIndex
}

// Op is one operation: its input, its outcome and its interval.
type Op struct {
	// Client is the workload client that issued the call; one client
	// issues one call at a time.
	Client int
	Kind   Kind
	Server string // the HTTP address the call went to

	// Input.
	JobID      string
	Token      string  // Register: the token written
	CheckIndex *uint64 // Register: compare-and-set index, nil for none
	Stale      bool    // reads: asked with ?stale
	// Prefix is List's ID prefix (`?prefix=`). The checker reads a List
	// as "absent" for every job ID in the history that has this prefix
	// and is not in Jobs, so it must be exactly what was asked ("" lists
	// every job).
	Prefix string

	// Outcome. Exactly one of OK, Unknown or a definite failure (neither
	// set, Err names it) holds.
	OK      bool
	Unknown bool
	// CASFailed is set on a definite failure of a compare-and-set: the
	// server answered that the index did not match.
	CASFailed bool
	// CASCurrent is, on a CASFailed, the JobModifyIndex the server said
	// the job had when it refused (0: it said there was no such job), or
	// nil when its answer did not say (ParseCASConflict reads it from
	// the error). It makes a refusal an observation the checker can hold
	// to linearizability, like a read.
	CASCurrent *uint64
	Err        string

	// Read results, and Register's new JobModifyIndex (Index).
	Found bool
	Entry JobEntry
	Jobs  []JobEntry // List
	Index uint64

	// Call and Return are the interval, in nanoseconds of the recorder's
	// clock. Return is meaningless when Unknown: the operation may take
	// effect at any time after Call.
	Call, Return int64
}

// Recorder collects operations from concurrent clients.
type Recorder struct {
	mu    sync.Mutex
	now   func() time.Time
	start time.Time
	ops   []Op
}

// NewRecorder returns a recorder whose timestamps come from now (inject a
// fake clock in tests; time.Now in the suite, which is monotonic).
func NewRecorder(now func() time.Time) *Recorder {
	return &Recorder{now: now, start: now()}
}

// Begin stamps the call time of op and returns a function that stamps
// its return time and records it; the caller fills in the outcome in the
// *Op it passes to the returned function.
func (r *Recorder) Begin() (call int64, finish func(op Op)) {
	call = r.now().Sub(r.start).Nanoseconds()
	return call, func(op Op) {
		op.Call = call
		op.Return = r.now().Sub(r.start).Nanoseconds()
		r.mu.Lock()
		r.ops = append(r.ops, op)
		r.mu.Unlock()
	}
}

// Ops returns a copy of the operations, ordered by call time.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	out := append([]Op(nil), r.ops...)
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Call < out[j].Call })
	return out
}

// WriteJSON writes the history as JSON lines, one operation per line, so
// that a failing run's history can be kept and checked again.
func WriteJSON(w io.Writer, ops []Op) error {
	enc := json.NewEncoder(w)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSON reads what WriteJSON wrote.
func ReadJSON(r io.Reader) ([]Op, error) {
	dec := json.NewDecoder(r)
	var ops []Op
	for dec.More() {
		var op Op
		if err := dec.Decode(&op); err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}
