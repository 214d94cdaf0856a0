package nomadish

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// FSM applies committed Raft entries to the state store. Raft calls Apply,
// Snapshot and Restore from one goroutine; readers take State() at any
// time and get whichever store is current.
type FSM struct {
	logger hclog.Logger
	state  atomic.Pointer[state.StateStore]

	hookMu    sync.RWMutex // guards the hooks below
	evalHook  func(evals []*structs.Evaluation)
	jobHook   func(namespace, jobID string)
	nodeHook  func(index uint64, nodes []*structs.Node)        // fsm_hooks.go
	allocHook func(index uint64, allocs []*structs.Allocation) // fsm_hooks.go

	// committed holds the hook calls of the entry being applied, run
	// once its transaction commits (fsm_atomic.go). Only Apply's
	// goroutine touches it.
	committed *[]func()
	// response is what Apply answers the entry being applied with when it
	// is not an error (see PlanCommitOutcome); reset for each entry.
	response interface{}
}

// NewFSM returns an FSM over store.
func NewFSM(store *state.StateStore, logger hclog.Logger) *FSM {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	f := &FSM{logger: logger.Named("fsm")}
	f.state.Store(store)
	return f
}

// State returns the current state store.
func (f *FSM) State() *state.StateStore { return f.state.Load() }

// SetEvalHook registers fn to be called, after they are written, with the
// evaluations every applied entry upserted (on every server; the leader's
// eval broker uses it to enqueue them). nil removes it.
func (f *FSM) SetEvalHook(fn func(evals []*structs.Evaluation)) {
	f.hookMu.Lock()
	f.evalHook = fn
	f.hookMu.Unlock()
}

// SetJobHook registers fn to be called after every applied job
// registration or deregistration, with the job's namespace and ID (the
// leader's periodic dispatcher uses it to track periodic jobs). fn must
// not block. nil removes it.
func (f *FSM) SetJobHook(fn func(namespace, jobID string)) {
	f.hookMu.Lock()
	f.jobHook = fn
	f.hookMu.Unlock()
}

func (f *FSM) jobApplied(namespace, jobID string) {
	f.hookMu.RLock()
	fn := f.jobHook
	f.hookMu.RUnlock()
	if fn != nil {
		f.afterCommit(func() { fn(namespace, jobID) })
	}
}

func (f *FSM) evalsApplied(evals []*structs.Evaluation) {
	if len(evals) == 0 {
		return
	}
	f.hookMu.RLock()
	fn := f.evalHook
	f.hookMu.RUnlock()
	if fn != nil {
		f.afterCommit(func() { fn(evals) })
	}
}

// Apply implements raft.FSM. It returns nil, an error, or for a plan whose
// placements on a down node were left out a *structs.PlanCommitOutcome;
// the answer reaches the writer through raftApply.
func (f *FSM) Apply(log *raft.Log) interface{} {
	if len(log.Data) == 0 {
		return fmt.Errorf("fsm apply index %d: empty entry", log.Index)
	}
	msgType := structs.MessageType(log.Data[0])
	ignoreUnknown := msgType&structs.IgnoreUnknownTypeFlag != 0
	msgType &^= structs.IgnoreUnknownTypeFlag
	buf := log.Data[1:]
	index := log.Index

	defer metrics.MeasureSinceWithLabels([]string{"nomad", "fsm", "apply"}, time.Now(), []metrics.Label{{Name: "type", Value: msgType.String()}})

	f.response = nil
	err := f.applyAtomic(msgType, ignoreUnknown, buf, index)
	if err != nil {
		f.response = nil
		f.logger.Error("fsm apply failed", "type", msgType.String(), "index", index, "error", err)
		return fmt.Errorf("fsm apply %s at index %d: %w", msgType, index, err)
	}
	f.notifyNodeChange(msgType, buf, index)
	resp := f.response
	f.response = nil
	return resp
}

// applyRecovering applies one entry and turns a panic into an error. The
// state store writes each entry in one transaction that a panic aborts,
// so the entry changes nothing, on every server alike; without this, an
// entry that panics would crash every server, and again each time it is
// replayed from the log.
func (f *FSM) applyRecovering(msgType structs.MessageType, ignoreUnknown bool, buf []byte, index uint64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			panics.Recovered(f.logger, "fsm", fmt.Sprintf("%s at index %d", msgType, index), p)
			err = fmt.Errorf("%w: %v", errFSMPanic, p)
		}
	}()
	switch msgType {
	case structs.NodeRegisterRequestType:
		err = f.applyNodeRegister(buf, index)
	case structs.NodeDeregisterRequestType:
		err = f.applyNodeDeregister(buf, index)
	case structs.NodeUpdateStatusRequestType:
		err = f.applyNodeUpdateStatus(buf, index)
	case structs.JobRegisterRequestType:
		err = f.applyJobRegister(buf, index)
	case structs.JobDeregisterRequestType:
		err = f.applyJobDeregister(buf, index)
	case structs.EvalUpdateRequestType:
		err = f.applyEvalUpdate(buf, index)
	case structs.EvalDeleteRequestType:
		err = f.applyEvalDelete(buf, index)
	case structs.AllocUpdateRequestType:
		err = f.applyAllocUpdate(buf, index)
	case structs.AllocClientUpdateRequestType:
		err = f.applyAllocClientUpdate(buf, index)
	case structs.DeploymentUpsertRequestType:
		err = f.applyDeploymentUpsert(buf, index)
	case structs.ApplyPlanResultsRequestType:
		err = f.applyPlanResults(buf, index)
	case structs.NodeUpdateStatusEvalsRequestType:
		err = f.applyNodeUpdateStatusEvals(buf, index)
	case structs.NodeUpdateEligibilityRequestType:
		err = f.applyNodeUpdateEligibility(buf, index)
	case structs.NodeUpdateDrainRequestType:
		err = f.applyNodeUpdateDrain(buf, index)
	case structs.AllocUpdateDesiredTransitionRequestType:
		err = f.applyAllocUpdateDesiredTransition(buf, index)
	case structs.DeploymentProgressRequestType:
		err = f.applyDeploymentProgress(buf, index)
	case structs.ServiceRegistrationUpsertRequestType, structs.ServiceRegistrationDeleteByAllocRequestType,
		structs.ServiceRegistrationDeleteByIDRequestType:
		err = f.applyServiceRegistration(msgType, buf, index) // fsm_services.go
	case structs.DeploymentAllocHealthRequestType:
		err = f.applyDeploymentAllocHealth(buf, index)
	case structs.NodePoolUpsertRequestType, structs.NodePoolDeleteRequestType:
		err = f.applyNodePool(msgType, buf, index) // fsm_node_pools.go
	default:
		if ignoreUnknown {
			f.logger.Warn("ignoring unknown message type", "type", uint8(msgType), "index", index)
			return nil
		}
		err = fmt.Errorf("unknown message type %d", uint8(msgType))
	}
	return err
}

// errFSMPanic marks an entry whose apply panicked: a bug, and the entry
// changed nothing.
var errFSMPanic = errors.New("internal error: applying the entry panicked (logged as a recovered panic); it changed nothing")

func (f *FSM) applyNodeRegister(buf []byte, index uint64) error {
	var req structs.NodeRegisterRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if req.Node == nil {
		return fmt.Errorf("missing node")
	}
	return f.State().UpsertNode(index, req.Node)
}

func (f *FSM) applyNodeDeregister(buf []byte, index uint64) error {
	var req structs.NodeDeregisterRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	return f.State().DeleteNode(index, req.NodeIDs)
}

func (f *FSM) applyNodeUpdateStatus(buf []byte, index uint64) error {
	var req structs.NodeUpdateStatusRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	return f.State().UpdateNodeStatus(index, req.NodeID, req.Status, req.UpdatedAt, req.NodeEvent)
}

func (f *FSM) applyJobRegister(buf []byte, index uint64) error {
	var req structs.JobRegisterRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if req.Job == nil {
		return fmt.Errorf("missing job")
	}
	if err := checkEntryJob("Job", req.Job); err != nil {
		return err
	}
	st := f.State()
	// The endpoint checks EnforceIndex before it proposes the entry, but
	// two registrations with the same check-index can both pass that
	// check before either is applied; only here, where entries apply one
	// at a time, does the compare-and-set hold. A mismatch changes
	// nothing, on every server alike.
	if req.EnforceIndex {
		existing, err := st.JobByID(nil, req.Job.Namespace, req.Job.ID)
		if err != nil {
			return err
		}
		var current uint64
		if existing != nil {
			current = existing.JobModifyIndex
		}
		if current != req.JobModifyIndex {
			return fmt.Errorf("%w: enforcing job modify index %d: job %q has job modify index %d", structs.ErrConflict, req.JobModifyIndex, req.Job.ID, current)
		}
	}
	if err := st.UpsertJob(index, req.Job); err != nil {
		return err
	}
	f.jobApplied(req.Job.Namespace, req.Job.ID)
	return f.upsertEvals(st, index, req.Eval)
}

func (f *FSM) applyJobDeregister(buf []byte, index uint64) error {
	var req structs.JobDeregisterRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	st := f.State()
	ns := req.RequestNamespace()
	if req.Purge {
		if err := st.DeleteJob(index, ns, req.JobID); err != nil {
			return err
		}
	} else {
		job, err := st.JobByID(nil, ns, req.JobID)
		if err != nil {
			return err
		}
		if job != nil {
			stopped := job.Copy()
			stopped.Stop = true
			if req.SubmitTime != 0 {
				stopped.SubmitTime = req.SubmitTime
			}
			if err := st.UpsertJob(index, stopped); err != nil {
				return err
			}
		}
	}
	f.jobApplied(ns, req.JobID)
	return f.upsertEvals(st, index, req.Eval)
}

func (f *FSM) applyEvalUpdate(buf []byte, index uint64) error {
	var req structs.EvalUpdateRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	return f.upsertEvals(f.State(), index, req.Evals...)
}

func (f *FSM) applyEvalDelete(buf []byte, index uint64) error {
	var req structs.EvalDeleteRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	return f.State().DeleteEval(index, req.Evals, req.Allocs)
}

func (f *FSM) applyAllocUpdate(buf []byte, index uint64) error {
	var req structs.AllocUpdateRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if err := checkEntryJob("Job", req.Job); err != nil {
		return err
	}
	if err := checkEntryAllocs("Alloc", req.Alloc); err != nil {
		return err
	}
	// Plans ship the job once rather than in every allocation.
	if req.Job != nil {
		for _, a := range req.Alloc {
			if a.Job == nil {
				a.Job = req.Job
			}
		}
	}
	st := f.State()
	if err := st.UpsertAllocs(index, req.Alloc); err != nil {
		return err
	}
	f.allocsApplied(index, req.Alloc)
	return f.upsertEvals(st, index, req.Evals...)
}

func (f *FSM) applyAllocClientUpdate(buf []byte, index uint64) error {
	var req structs.AllocUpdateRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if err := checkNoNull("Alloc", req.Alloc); err != nil {
		return err
	}
	st := f.State()
	if err := st.UpdateAllocsFromClient(index, req.Alloc); err != nil {
		return err
	}
	f.allocsApplied(index, req.Alloc)
	return f.upsertEvals(st, index, req.Evals...)
}

func (f *FSM) applyDeploymentUpsert(buf []byte, index uint64) error {
	var req structs.DeploymentUpsertRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if req.Deployment == nil {
		return fmt.Errorf("missing deployment")
	}
	return f.State().UpsertDeployment(index, req.Deployment)
}

// upsertEvals writes the non-nil evaluations and tells the eval hook.
func (f *FSM) upsertEvals(st *state.StateStore, index uint64, evals ...*structs.Evaluation) error {
	var out []*structs.Evaluation
	for _, e := range evals {
		if e != nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := st.UpsertEvals(index, out); err != nil {
		return err
	}
	f.evalsApplied(out)
	return nil
}

func (f *FSM) applyDeploymentAllocHealth(buf []byte, index uint64) error {
	var req structs.DeploymentAllocHealthRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	return f.State().SetAllocsDeploymentHealth(index, req.DeploymentID, req.HealthyAllocationIDs, req.UnhealthyAllocationIDs, req.Timestamp)
}
