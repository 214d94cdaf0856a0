package api

import "net/url"

// DeploymentUpdateResponse answers a change to a deployment's status
// (fail, pause, resume). EvalID is empty when the change needs no
// evaluation (pausing); RevertedJobVersion is set when failing the
// deployment reverted its job to an earlier, stable version.
type DeploymentUpdateResponse struct {
	EvalID                string
	EvalCreateIndex       uint64
	DeploymentModifyIndex uint64
	RevertedJobVersion    *uint64
	Index                 uint64
}

// deploymentPauseRequest is the body of PUT /v1/deployment/pause/:id.
type deploymentPauseRequest struct {
	DeploymentID string
	Pause        bool
}

// Allocations lists the allocations placed for the deployment with the
// exact ID id. An unknown deployment is a 404 (see IsNotFound).
func (d *Deployments) Allocations(id string, q *QueryOptions) ([]*AllocationListStub, *QueryMeta, error) {
	var resp []*AllocationListStub
	qm, err := d.client.query("/v1/deployment/allocations/"+url.PathEscape(id), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return resp, qm, nil
}

// Fail marks an active deployment failed; when a group has auto_revert
// the job is also reverted to its latest stable version. A deployment
// that has already ended is refused with a 400.
func (d *Deployments) Fail(id string, w *WriteOptions) (*DeploymentUpdateResponse, *WriteMeta, error) {
	var resp DeploymentUpdateResponse
	wm, err := d.client.put("/v1/deployment/fail/"+url.PathEscape(id), nil, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// Unblock marks a blocked multiregion deployment (complete in its region,
// waiting for the others) successful. Any other is refused with a 400.
func (d *Deployments) Unblock(id string, w *WriteOptions) (*DeploymentUpdateResponse, *WriteMeta, error) {
	var resp DeploymentUpdateResponse
	wm, err := d.client.put("/v1/deployment/unblock/"+url.PathEscape(id), nil, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// Pause pauses an active deployment (pause true) or resumes a paused one
// (pause false). A deployment that has already ended is refused with a
// 400.
func (d *Deployments) Pause(id string, pause bool, w *WriteOptions) (*DeploymentUpdateResponse, *WriteMeta, error) {
	var resp DeploymentUpdateResponse
	wm, err := d.client.put("/v1/deployment/pause/"+url.PathEscape(id), &deploymentPauseRequest{DeploymentID: id, Pause: pause}, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// deploymentPromoteRequest is the body of PUT /v1/deployment/promote/:id.
type deploymentPromoteRequest struct {
	DeploymentID string
	All          bool
	Groups       []string `json:",omitempty"`
}

// Promote promotes the canaries of a running deployment: of every group
// with canaries when groups is empty, else of the named groups. A group
// whose canaries are not all healthy is refused with a 400.
func (d *Deployments) Promote(id string, groups []string, w *WriteOptions) (*DeploymentUpdateResponse, *WriteMeta, error) {
	var resp DeploymentUpdateResponse
	body := &deploymentPromoteRequest{DeploymentID: id, All: len(groups) == 0, Groups: groups}
	wm, err := d.client.put("/v1/deployment/promote/"+url.PathEscape(id), body, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// deploymentAllocHealthRequest is the body of PUT
// /v1/deployment/allocation-health/:id.
type deploymentAllocHealthRequest struct {
	DeploymentID           string
	HealthyAllocationIDs   []string `json:",omitempty"`
	UnhealthyAllocationIDs []string `json:",omitempty"`
}

// SetAllocHealth sets the deployment health of allocations of an active
// deployment by hand (groups with health_check = "manual", or to
// override a client): healthy and unhealthy are full allocation IDs. An
// ID that is not an allocation of the deployment is refused with a 400.
func (d *Deployments) SetAllocHealth(id string, healthy, unhealthy []string, w *WriteOptions) (*DeploymentUpdateResponse, *WriteMeta, error) {
	var resp DeploymentUpdateResponse
	body := &deploymentAllocHealthRequest{DeploymentID: id, HealthyAllocationIDs: healthy, UnhealthyAllocationIDs: unhealthy}
	wm, err := d.client.put("/v1/deployment/allocation-health/"+url.PathEscape(id), body, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}
