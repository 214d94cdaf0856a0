package checker

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/nomadish/nomadish/e2e/chaos/history"
)

// Result is the outcome of CheckJobs.
type Result struct {
	Ops        int      // operations checked
	OK         bool     // no violation found
	TimedOut   bool     // the search gave up (not a violation; reported as such)
	Violations []string // one line each: which key, which operations, what was wrong
	// Visualization, when set, is the path of porcupine's HTML
	// visualization of the failing partition, written under the dir
	// given to WriteVisualization.
	Visualization string

	// failed holds what WriteVisualization needs, one per job ID whose
	// history is not linearizable, in job ID order.
	failed []failedPartition
}

type failedPartition struct {
	key   string
	model porcupine.Model
	info  porcupine.LinearizationInfo
}

// opMeta ties a porcupine operation back to the recorded history.
type opMeta struct {
	N        int // position in the ops given to CheckJobs
	Client   int
	Server   string
	FromList bool // a per-job observation split out of a List
}

func (m opMeta) String() string {
	s := fmt.Sprintf("op %d, client %d", m.N, m.Client)
	if m.Server != "" {
		s += " via " + m.Server
	}
	if m.FromList {
		s += ", from a list"
	}
	return s
}

// never is the return time of an operation whose outcome is unknown: it
// may take effect at any time after its call.
const never = math.MaxInt64

// CheckJobs checks that the job-table operations in ops (Register,
// Deregister, Read, List) are linearizable against a model of the job
// table, with porcupine, one job ID at a time. Stale reads (Op.Stale)
// are not held to linearizability but to the weaker promise checkStale
// describes, and every write's Raft index is checked against what
// operations that returned before it saw (checkIndexOrder). A timeout
// of zero or less does not bound the search.
func CheckJobs(ops []history.Op, timeout time.Duration) Result {
	return checkJobs(ops, timeout, time.Now)
}

// checkJobs is CheckJobs with the clock that measures the timeout
// injected, so that a test can make the search run out of time.
func checkJobs(ops []history.Op, timeout time.Duration, now func() time.Time) Result {
	var res Result
	var deadline time.Time
	if timeout > 0 {
		deadline = now().Add(timeout)
	}
	remaining := func() (time.Duration, bool) {
		if deadline.IsZero() {
			return 0, true // porcupine reads 0 as no limit
		}
		d := deadline.Sub(now())
		return d, d > 0
	}

	h := buildHistory(ops)
	res.Ops = h.count
	res.Violations = append(res.Violations, h.problems...)

	keys := make([]string, 0, len(h.byKey))
	for k := range h.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	model := jobModel()
	single := model
	single.Partition = nil // each call below is one job ID's history

	// Job IDs are checked in parallel; outcomes land in their key's slot
	// so that the report's order does not depend on scheduling.
	outcomes := make([]porcupine.CheckResult, len(keys))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, key := range keys {
		budget, ok := remaining()
		if !ok {
			outcomes[i] = porcupine.Unknown
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outcomes[i] = porcupine.CheckOperationsTimeout(single, h.byKey[key], budget)
		}()
	}
	wg.Wait()

	for i, key := range keys {
		switch outcomes[i] {
		case porcupine.Unknown:
			res.TimedOut = true
		case porcupine.Illegal:
			// Search again, keeping the partial linearizations, to say
			// where it went wrong and to draw it. This is bounded by the
			// same deadline but given a second at least: it only adds
			// detail to a violation already found.
			budget, _ := remaining()
			if !deadline.IsZero() {
				budget = max(budget, time.Second)
			}
			verdict, info := porcupine.CheckOperationsVerbose(single, h.byKey[key], budget)
			line := fmt.Sprintf("job %q: no linearizable order explains its %d operations", key, len(h.byKey[key]))
			if verdict == porcupine.Illegal {
				line += ": " + explainIllegal(single, h.byKey[key], info)
				res.failed = append(res.failed, failedPartition{key: key, model: single, info: info})
			}
			res.Violations = append(res.Violations, line)
		}
	}

	res.Violations = append(res.Violations, checkStale(h)...)
	res.Violations = append(res.Violations, checkIndexOrder(ops)...)
	res.OK = len(res.Violations) == 0 && !res.TimedOut
	return res
}

// WriteVisualization writes porcupine's HTML visualization of every job
// ID whose history was found not linearizable under dir, one file each,
// and sets Visualization to the first. It writes nothing when there is
// none.
func (r *Result) WriteVisualization(dir string) error {
	if len(r.failed) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write linearizability visualization: %w", err)
	}
	for i, f := range r.failed {
		path := filepath.Join(dir, "jobs-"+fileSafe(f.key)+".html")
		if err := porcupine.VisualizePath(f.model, f.info, path); err != nil {
			return fmt.Errorf("write linearizability visualization of job %q: %w", f.key, err)
		}
		if i == 0 {
			r.Visualization = path
		}
	}
	return nil
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// explainIllegal names the operation the search could not place after
// the longest linearizable prefix it found, and the state(s) that prefix
// leaves the job in.
func explainIllegal(model porcupine.Model, ops []porcupine.Operation, info porcupine.LinearizationInfo) string {
	parts := info.PartialLinearizationsOperations()
	var longest []porcupine.Operation
	if len(parts) > 0 {
		for _, p := range parts[0] {
			if len(p) > len(longest) {
				longest = p
			}
		}
	}
	placed := map[int]bool{}
	state := model.Init()
	for _, op := range longest {
		placed[op.Metadata.(opMeta).N] = true
		if ok, next := model.Step(state, op.Input, op.Output); ok {
			state = next
		}
	}
	// The unplaced operation that returned first is the one every order
	// had to fit in next, so it is the one to look at.
	var culprit *porcupine.Operation
	for i := range ops {
		op := &ops[i]
		if placed[op.Metadata.(opMeta).N] {
			continue
		}
		if culprit == nil || op.Return < culprit.Return || (op.Return == culprit.Return && op.Call < culprit.Call) {
			culprit = op
		}
	}
	if culprit == nil {
		return "porcupine found no order but placed every operation"
	}
	ops1 := "operations"
	if len(longest) == 1 {
		ops1 = "operation"
	}
	returned := "its outcome unknown"
	if culprit.Return != never {
		returned = "returned at " + nanos(culprit.Return)
	}
	return fmt.Sprintf("the longest linearizable prefix (%d %s) leaves it %s, and then %s [%s] (called at %s, %s) fits in no order",
		len(longest), ops1, model.DescribeState(state),
		model.DescribeOperation(culprit.Input, culprit.Output), culprit.Metadata.(opMeta), nanos(culprit.Call), returned)
}

func nanos(t int64) string {
	return time.Duration(t).String()
}

// jobHistory is the history split for checking.
type jobHistory struct {
	count    int                              // job-table operations seen
	byKey    map[string][]porcupine.Operation // linearizable operations per job ID
	stale    []staleObservation               // what stale reads and lists saw
	writes   map[string][]history.Op          // Register ops per job ID, for checkStale
	problems []string                         // malformed operations
}

// staleObservation is one job as a stale read or list saw it.
type staleObservation struct {
	op    opMeta
	key   string
	found bool
	entry history.JobEntry
	ret   int64 // when the read returned
}

// buildHistory turns recorded operations into porcupine operations per
// job ID. A List is split into one read per job ID in the history that
// has its prefix: "present with this token and index" for the jobs it
// returned and "absent" for the others. That is sound (a List that one
// instant explains gives each job an observation its history explains)
// but weaker: each job's observation may be explained by a different
// instant, so a List that mixes two moments of the table passes.
func buildHistory(ops []history.Op) jobHistory {
	h := jobHistory{byKey: map[string][]porcupine.Operation{}, writes: map[string][]history.Op{}}
	keys := map[string]bool{}
	for _, op := range ops {
		switch op.Kind {
		case history.Register, history.Deregister, history.Read:
			if op.JobID != "" {
				keys[op.JobID] = true
			}
		case history.List:
			for _, j := range op.Jobs {
				keys[j.ID] = true
			}
		}
	}
	// An unknown Register whose token a linearizable read saw took
	// effect before that read returned: only it wrote the token. Ending
	// its interval there loses no valid order and keeps it from staying
	// open to the end of the history, which is what makes a search for
	// an order expensive.
	writers := map[string]int{}
	firstSeen := map[string]int64{}
	seen := func(key, token string, ret int64) {
		k := key + "\x00" + token
		if t, ok := firstSeen[k]; !ok || ret < t {
			firstSeen[k] = ret
		}
	}
	for _, op := range ops {
		switch {
		case op.Kind == history.Register:
			writers[op.JobID+"\x00"+op.Token]++
		case op.Kind == history.Read && op.OK && !op.Stale && op.Found:
			seen(op.JobID, op.Entry.Token, op.Return)
		case op.Kind == history.List && op.OK && !op.Stale:
			for _, j := range op.Jobs {
				seen(j.ID, j.Token, op.Return)
			}
		}
	}

	sortedKeys := make([]string, 0, len(keys))
	for k := range keys {
		sortedKeys = append(sortedKeys, k)
	}
	sort.Strings(sortedKeys)

	add := func(key string, meta opMeta, in jobInput, out jobOutput, call, ret int64) {
		if ret < call {
			ret = call
		}
		in.Key = key
		h.byKey[key] = append(h.byKey[key], porcupine.Operation{
			ClientId: meta.Client, Input: in, Call: call, Output: out, Return: ret, Metadata: meta,
		})
	}
	for n, op := range ops {
		meta := opMeta{N: n, Client: op.Client, Server: op.Server}
		switch op.Kind {
		case history.Register, history.Deregister:
			h.count++
			if op.JobID == "" {
				h.problems = append(h.problems, fmt.Sprintf("%s [%s]: no job ID recorded", op.Kind, meta))
				continue
			}
			in := jobInput{Kind: op.Kind, Token: op.Token}
			if op.Kind == history.Register {
				h.writes[op.JobID] = append(h.writes[op.JobID], op)
				if op.CheckIndex != nil {
					in.CAS, in.CheckIndex = true, *op.CheckIndex
				}
			}
			var out jobOutput
			ret := op.Return
			switch {
			case op.OK:
				out.Index = op.Index
			case op.CASFailed && op.Kind == history.Register:
				out.CASFailed = true
				if op.CASCurrent != nil {
					out.HasCurrent, out.Current = true, *op.CASCurrent
				}
			case op.Unknown:
				out.Unknown = true
				ret = never
				k := op.JobID + "\x00" + op.Token
				if t, ok := firstSeen[k]; ok && op.Kind == history.Register && writers[k] == 1 && t >= op.Call {
					ret = t
				}
			default:
				// A definite failure had no effect and says nothing
				// about the job (the workload records as Unknown every
				// failure that may have come after the entry was
				// proposed, such as a lost leadership or a timeout).
				continue
			}
			add(op.JobID, meta, in, out, op.Call, ret)
		case history.Read:
			h.count++
			if !op.OK || op.JobID == "" {
				continue // an unanswered read tells nothing
			}
			if op.Stale {
				h.stale = append(h.stale, staleObservation{op: meta, key: op.JobID, found: op.Found, entry: op.Entry, ret: op.Return})
				continue
			}
			add(op.JobID, meta, jobInput{Kind: history.Read},
				jobOutput{Found: op.Found, Token: op.Entry.Token, Index: op.Entry.ModifyIndex}, op.Call, op.Return)
		case history.List:
			h.count++
			if !op.OK {
				continue
			}
			seen := map[string]history.JobEntry{}
			for _, j := range op.Jobs {
				if _, dup := seen[j.ID]; dup {
					h.problems = append(h.problems, fmt.Sprintf("job %q: list [%s] returned it twice", j.ID, meta))
				}
				if !strings.HasPrefix(j.ID, op.Prefix) {
					h.problems = append(h.problems, fmt.Sprintf("job %q: list [%s] of prefix %q returned it", j.ID, meta, op.Prefix))
				}
				seen[j.ID] = j
			}
			lm := meta
			lm.FromList = true
			for _, key := range sortedKeys {
				if !strings.HasPrefix(key, op.Prefix) {
					continue
				}
				j, found := seen[key]
				if op.Stale {
					h.stale = append(h.stale, staleObservation{op: lm, key: key, found: found, entry: j, ret: op.Return})
					continue
				}
				add(key, lm, jobInput{Kind: history.Read},
					jobOutput{Found: found, Token: j.Token, Index: j.ModifyIndex}, op.Call, op.Return)
			}
		}
	}
	for k, kops := range h.byKey {
		h.byKey[k] = pruneUnknown(kops)
	}
	return h
}
