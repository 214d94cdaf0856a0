package api

// JobRevertRequest is the body of PUT /v1/job/:id/revert. With
// EnforcePriorVersion set, the server reverts only if the job's current
// version is that one.
type JobRevertRequest struct {
	JobID               string
	JobVersion          uint64
	EnforcePriorVersion *uint64
}

// Revert registers version of the job again, as a new version. With
// enforcePriorVersion the revert only happens if the current version is
// *enforcePriorVersion.
func (j *Jobs) Revert(jobID string, version uint64, enforcePriorVersion *uint64, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	req := &JobRevertRequest{JobID: jobID, JobVersion: version, EnforcePriorVersion: enforcePriorVersion}
	var resp JobRegisterResponse
	wm, err := j.client.put(jobPath(jobID, "/revert"), req, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}
