package api

// DispatchPayloadLimit is the largest payload a parameterized job accepts,
// in bytes.
const DispatchPayloadLimit = 16 << 10

// JobDispatchRequest is the body of PUT /v1/job/:id/dispatch. Payload is
// sent base64-encoded, as encoding/json does for []byte.
type JobDispatchRequest struct {
	JobID            string
	Payload          []byte
	Meta             map[string]string
	IdPrefixTemplate string
}

// JobDispatchResponse names the child job a dispatch created and its
// evaluation.
type JobDispatchResponse struct {
	DispatchedJobID string
	EvalID          string
	EvalCreateIndex uint64
	JobCreateIndex  uint64
}

// Dispatch creates a child of the parameterized job jobID with meta and
// payload. idPrefixTemplate, when set, is put into the child's ID.
func (j *Jobs) Dispatch(jobID string, meta map[string]string, payload []byte, idPrefixTemplate string, w *WriteOptions) (*JobDispatchResponse, *WriteMeta, error) {
	req := &JobDispatchRequest{JobID: jobID, Payload: payload, Meta: meta, IdPrefixTemplate: idPrefixTemplate}
	var resp JobDispatchResponse
	wm, err := j.client.put(jobPath(jobID, "/dispatch"), req, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// PeriodicForceResponse answers a forced periodic launch.
type PeriodicForceResponse struct {
	EvalID          string
	EvalCreateIndex uint64
}

// PeriodicForce launches a child of the periodic job jobID now, outside
// its schedule, and returns the child's evaluation ID.
func (j *Jobs) PeriodicForce(jobID string, w *WriteOptions) (string, *WriteMeta, error) {
	var resp PeriodicForceResponse
	wm, err := j.client.put(jobPath(jobID, "/periodic/force"), nil, &resp, w)
	if err != nil {
		return "", nil, err
	}
	return resp.EvalID, wm, nil
}

// JobEvaluateRequest is the body of PUT /v1/job/:id/evaluate.
type JobEvaluateRequest struct {
	JobID       string
	EvalOptions EvalOptions
}

// EvalOptions tune a forced evaluation. ForceReschedule reschedules failed
// allocations even when their reschedule policy is exhausted.
type EvalOptions struct {
	ForceReschedule bool
}

// ForceEvaluate creates a new evaluation of the job and returns its ID.
func (j *Jobs) ForceEvaluate(jobID string, w *WriteOptions) (string, *WriteMeta, error) {
	return j.EvaluateWithOpts(jobID, false, w)
}

// EvaluateWithOpts creates a new evaluation of the job, rescheduling failed
// allocations regardless of their policy when forceReschedule is set, and
// returns its ID.
func (j *Jobs) EvaluateWithOpts(jobID string, forceReschedule bool, w *WriteOptions) (string, *WriteMeta, error) {
	req := &JobEvaluateRequest{JobID: jobID, EvalOptions: EvalOptions{ForceReschedule: forceReschedule}}
	var resp JobRegisterResponse
	wm, err := j.client.put(jobPath(jobID, "/evaluate"), req, &resp, w)
	if err != nil {
		return "", nil, err
	}
	return resp.EvalID, wm, nil
}
