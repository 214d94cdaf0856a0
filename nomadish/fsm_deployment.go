package nomadish

import "github.com/nomadish/nomadish/nomadish/structs"

// applyDeploymentProgress writes one batch of the deployment watcher:
// deployments' statuses and group health, stable job versions, and the
// evaluations that let the scheduler place the next allocations.
func (f *FSM) applyDeploymentProgress(buf []byte, index uint64) error {
	var req structs.DeploymentProgressRequest
	if err := structs.Decode(buf, &req); err != nil {
		return err
	}
	if err := f.State().UpdateDeploymentProgress(index, &req); err != nil {
		return err
	}
	var evals []*structs.Evaluation
	for _, e := range req.Evals {
		if e != nil {
			evals = append(evals, e)
		}
	}
	f.evalsApplied(evals)
	return nil
}
