package nomadish

import "github.com/nomadish/nomadish/nomadish/structs"

// applyAllocUpdateDesiredTransition marks allocations (the drainer's
// migration batches) and writes the evaluations that make the scheduler
// act on the marks.
func (f *FSM) applyAllocUpdateDesiredTransition(buf []byte, index uint64) error {
	var req structs.AllocUpdateDesiredTransitionRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	var evals []*structs.Evaluation
	for _, e := range req.Evals {
		if e != nil {
			evals = append(evals, e)
		}
	}
	if err := f.State().UpdateAllocsDesiredTransitions(index, req.Allocs, evals); err != nil {
		return err
	}
	f.evalsApplied(evals)
	return nil
}
