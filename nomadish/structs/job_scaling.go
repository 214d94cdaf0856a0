package structs

// ScalingPolicyTypeHorizontal is the type of a group's count policy, as
// Nomad names it (the target keys are in job_ops.go).
const ScalingPolicyTypeHorizontal = "horizontal"

// ScalingPolicy bounds a group's Count: job scale, the scale endpoint and
// registration refuse a count outside [Min, Max], whether or not the
// policy is Enabled (Enabled is for an external autoscaler). Min nil means
// the group's count at registration. Policy is opaque data for the
// autoscaler. ID, Namespace, Target and the indexes are set by the server
// and stay the same across job versions.
type ScalingPolicy struct {
	ID          string
	Namespace   string
	Type        string
	Target      map[string]string
	Min         *int64 `json:",omitempty"`
	Max         int64
	Policy      map[string]interface{}
	Enabled     bool
	CreateIndex uint64
	ModifyIndex uint64
}

// ScalingPolicyListStub is one entry of GET /v1/scaling/policies.
type ScalingPolicyListStub struct {
	ID          string
	Enabled     bool
	Type        string
	Target      map[string]string
	CreateIndex uint64
	ModifyIndex uint64
}

// ScalingPolicyListRequest lists the scaling policies of a namespace ("*"
// for all), optionally only those of Job or of Type.
type ScalingPolicyListRequest struct {
	Job  string
	Type string
	QueryOptions
}

// ScalingPolicyListResponse answers Scaling.ListPolicies, sorted by ID.
type ScalingPolicyListResponse struct {
	Policies []*ScalingPolicyListStub
	QueryMeta
}

// ScalingPolicySpecificRequest names one scaling policy by ID.
type ScalingPolicySpecificRequest struct {
	ID string
	QueryOptions
}

// SingleScalingPolicyResponse answers Scaling.GetPolicy; Policy is nil
// when there is no such policy.
type SingleScalingPolicyResponse struct {
	Policy *ScalingPolicy
	QueryMeta
}
