package api

// ScalingRequest is the body of PUT /v1/job/:id/scale. Target names the
// task group ("Group"); a nil Count records a scaling event without
// changing the count.
type ScalingRequest struct {
	Count          *int64
	Target         map[string]string
	Message        string
	Error          bool
	Meta           map[string]interface{}
	PolicyOverride bool
}

// JobScaleStatusResponse is the scaling state of every task group of a job.
type JobScaleStatusResponse struct {
	JobID          string
	Namespace      string
	JobCreateIndex uint64
	JobModifyIndex uint64
	JobStopped     bool
	TaskGroups     map[string]TaskGroupScaleStatus
}

// TaskGroupScaleStatus is how many allocations a group wants and has, and
// its recent scaling events, newest first.
type TaskGroupScaleStatus struct {
	Desired   int
	Placed    int
	Running   int
	Healthy   int
	Unhealthy int
	Events    []*ScalingEvent
}

// ScalingEvent records one scaling request. Time is Unix nanoseconds.
type ScalingEvent struct {
	Count         *int64
	PreviousCount int64
	Message       string
	Error         bool
	Meta          map[string]interface{}
	EvalID        *string
	Time          uint64
	CreateIndex   uint64
}

// Scale sets the count of group in the job to *count; a nil count only
// records message as a scaling event.
func (j *Jobs) Scale(jobID, group string, count *int, message string, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	req := &ScalingRequest{
		Target:  map[string]string{"Job": jobID, "Group": group},
		Message: message,
	}
	if count != nil {
		n := int64(*count)
		req.Count = &n
	}
	return j.ScaleWithRequest(jobID, req, w)
}

// ScaleWithRequest sends a full scaling request.
func (j *Jobs) ScaleWithRequest(jobID string, req *ScalingRequest, w *WriteOptions) (*JobRegisterResponse, *WriteMeta, error) {
	var resp JobRegisterResponse
	wm, err := j.client.put(jobPath(jobID, "/scale"), req, &resp, w)
	if err != nil {
		return nil, nil, err
	}
	return &resp, wm, nil
}

// ScaleStatus reads the scaling state of a job's task groups.
func (j *Jobs) ScaleStatus(jobID string, q *QueryOptions) (*JobScaleStatusResponse, *QueryMeta, error) {
	var resp JobScaleStatusResponse
	qm, err := j.client.query(jobPath(jobID, "/scale"), &resp, q)
	if err != nil {
		return nil, nil, err
	}
	return &resp, qm, nil
}
