package structs

import "fmt"

// CheckStatus values, as Nomad's /v1/client/allocation/:id/checks reports
// them.
const (
	CheckSuccess = "success"
	CheckFailure = "failure"
	CheckPending = "pending"
)

// Check modes: a healthiness check decides the service's health (and a
// deployment's); a readiness check (on_update = "ignore") is reported but
// decides nothing.
const (
	CheckModeHealthiness = "healthiness"
	CheckModeReadiness   = "readiness"
)

// CheckQueryResult is one check's latest result, in the shape Nomad's
// /v1/client/allocation/:id/checks returns.
type CheckQueryResult struct {
	// ID is a stable hash of the allocation, group, task, service and
	// check name.
	ID string
	// Mode is CheckModeHealthiness or CheckModeReadiness.
	Mode string
	// Status is CheckSuccess, CheckFailure or CheckPending.
	Status     string
	StatusCode int `json:",omitempty"`
	// Output is the last output of the check, bounded.
	Output string
	// Timestamp is when the result was taken, in unix seconds.
	Timestamp int64
	Group     string
	Task      string `json:",omitempty"`
	Service   string
	Check     string
}

// Values of ServiceRegistration.Health.
const (
	ServiceHealthPassing  = "passing"
	ServiceHealthCritical = "critical"
	ServiceHealthPending  = "pending"
)

// Bounds on what a client may register, so that one allocation cannot
// grow the replicated services table without limit.
const (
	// MaxServiceRegistrationsPerAlloc is the most service instances one
	// allocation may have registered at a time.
	MaxServiceRegistrationsPerAlloc = 64
	// MaxServiceTags is the most tags one registration may carry.
	MaxServiceTags = 64
	// MaxServiceNameLen and MaxServiceTagLen bound names and tags;
	// MaxServiceNameLen is a DNS label's limit, since names are looked
	// up as NAME.service.nomad.
	MaxServiceNameLen = 63
	MaxServiceTagLen  = 255
)

// ServiceRegistration is one instance of a service, as Nomad's native
// service discovery returns it (GET /v1/service/:name), plus its health
// (a nomadish addition).
type ServiceRegistration struct {
	// ID is "_nomad-task-<allocID>-<group|task>-<service>-<port label>",
	// as Nomad forms it.
	ID          string
	ServiceName string
	Namespace   string
	NodeID      string
	Datacenter  string
	JobID       string
	AllocID     string
	Tags        []string
	Address     string
	Port        int
	// Health is ServiceHealthPassing, ServiceHealthCritical or
	// ServiceHealthPending (checks not yet run); passing when the
	// service has no checks.
	Health string `json:",omitempty"`
	// LB is the service's lb block, for the client agents' balancers
	// (a nomadish addition).
	LB          *ServiceLB `json:",omitempty"`
	CreateIndex uint64
	ModifyIndex uint64
}

// Copy returns a deep copy of r.
func (r *ServiceRegistration) Copy() *ServiceRegistration {
	if r == nil {
		return nil
	}
	c := *r
	c.Tags = append([]string(nil), r.Tags...)
	c.LB = r.LB.Copy()
	return &c
}

// Equal reports whether r and o register the same instance the same
// way, leaving the indexes aside: an upsert of an equal registration
// changes nothing.
func (r *ServiceRegistration) Equal(o *ServiceRegistration) bool {
	if r == nil || o == nil {
		return r == o
	}
	if r.ID != o.ID || r.ServiceName != o.ServiceName || r.Namespace != o.Namespace || r.NodeID != o.NodeID ||
		r.Datacenter != o.Datacenter || r.JobID != o.JobID || r.AllocID != o.AllocID ||
		r.Address != o.Address || r.Port != o.Port || r.Health != o.Health || len(r.Tags) != len(o.Tags) || !r.LB.Equal(o.LB) {
		return false
	}
	for i := range r.Tags {
		if r.Tags[i] != o.Tags[i] {
			return false
		}
	}
	return true
}

// ServiceRegistrationUpsertRequest registers or updates service
// instances of a node's allocations. It is also the Raft entry.
type ServiceRegistrationUpsertRequest struct {
	Services []*ServiceRegistration
	// SecretID is the registering node's secret; it is cleared before
	// the entry is written.
	SecretID string
	WriteRequest
}

// ServiceRegistrationDeleteByAllocRequest removes every registration of
// one allocation: the client sends it when the allocation stops. It is
// also the Raft entry.
type ServiceRegistrationDeleteByAllocRequest struct {
	AllocID  string
	SecretID string
	WriteRequest
}

// ServiceRegistrationDeleteByIDRequest removes one registration by its
// ID, in WriteRequest.Namespace (a user's DELETE /v1/service/:name/:id).
// It is also the Raft entry.
type ServiceRegistrationDeleteByIDRequest struct {
	ID string
	WriteRequest
}

// ServiceRegistrationListRequest lists the services of a namespace ("*":
// every namespace).
type ServiceRegistrationListRequest struct {
	QueryOptions
}

// ServiceRegistrationStub is one service name and the union of its
// instances' tags, as GET /v1/services lists it.
type ServiceRegistrationStub struct {
	ServiceName string
	Tags        []string
}

// ServiceRegistrationListStub groups the services of one namespace.
type ServiceRegistrationListStub struct {
	Namespace string
	Services  []*ServiceRegistrationStub
}

// ServiceRegistrationListResponse answers a list.
type ServiceRegistrationListResponse struct {
	Services []*ServiceRegistrationListStub
	QueryMeta
}

// ServiceRegistrationByNameRequest reads the instances of one service.
type ServiceRegistrationByNameRequest struct {
	ServiceName string
	QueryOptions
}

// ServiceRegistrationByNameResponse holds a service's instances, by ID.
type ServiceRegistrationByNameResponse struct {
	Services []*ServiceRegistration
	QueryMeta
}

// ServiceRegistrationID forms the ID Nomad gives a service instance:
// owner is the group's name for a group service, else the task's.
func ServiceRegistrationID(allocID, owner, service, portLabel string) string {
	return "_nomad-task-" + allocID + "-" + owner + "-" + service + "-" + portLabel
}

// Validate checks a registration as a client sent it, path being where
// it sits in the request (e.g. "Services[0]").
func (r *ServiceRegistration) Validate(path string) []FieldError {
	if r == nil {
		return []FieldError{{Path: path, Message: "missing"}}
	}
	var out []FieldError
	bad := func(field, format string, args ...interface{}) {
		out = append(out, FieldError{Path: path + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	for field, v := range map[string]string{"ID": r.ID, "AllocID": r.AllocID, "NodeID": r.NodeID, "JobID": r.JobID} {
		if v == "" {
			bad(field, "required")
		}
	}
	if err := ValidServiceName(r.ServiceName); err != "" {
		bad("ServiceName", "%s", err)
	}
	if len(r.Tags) > MaxServiceTags {
		bad("Tags", "%d tags; at most %d are accepted", len(r.Tags), MaxServiceTags)
	}
	for i, t := range r.Tags {
		if t == "" || len(t) > MaxServiceTagLen {
			bad(fmt.Sprintf("Tags[%d]", i), "a tag must be 1 to %d characters long", MaxServiceTagLen)
		}
	}
	if r.Port < 0 || r.Port > 65535 {
		bad("Port", "%d is not a port; accepted: 0 to 65535", r.Port)
	}
	switch r.Health {
	case "", ServiceHealthPassing, ServiceHealthCritical, ServiceHealthPending:
	default:
		bad("Health", "unknown health %q; accepted: %q, %q, %q", r.Health, ServiceHealthPassing, ServiceHealthCritical, ServiceHealthPending)
	}
	if r.LB != nil {
		v := validator{problems: &out, prefix: path}
		r.LB.validate(v.at("LB"))
	}
	return out
}

// ValidServiceName returns "" when name may name a service, else what is
// wrong with it. Names are DNS labels (letters, digits and dashes, not
// starting or ending with a dash), as Nomad requires of its services, so
// that every service can be looked up as NAME.service.nomad.
func ValidServiceName(name string) string {
	if name == "" {
		return "required"
	}
	if len(name) > MaxServiceNameLen {
		return fmt.Sprintf("%q is %d characters long; at most %d are accepted", name, len(name), MaxServiceNameLen)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < len(name)-1
		if !ok {
			return fmt.Sprintf("%q is not a valid service name; accepted: letters, digits and dashes, not starting or ending with a dash", name)
		}
	}
	return ""
}
