package api

import "time"

// Service registers a group's or task's port under Name with a service
// catalog, with health Checks.
type Service struct {
	Name              string
	Tags              []string
	CanaryTags        []string
	EnableTagOverride bool
	PortLabel         string
	AddressMode       string
	Address           string
	Provider          string
	TaskName          string
	Checks            []ServiceCheck
	Meta              map[string]string
	CheckRestart      *CheckRestart `json:",omitempty"`

	TaggedAddresses map[string]string `json:",omitempty"`
	CanaryMeta      map[string]string `json:",omitempty"`
	OnUpdate        string            `json:",omitempty"`
	Cluster         string            `json:",omitempty"`
	Kind            string            `json:",omitempty"`
	Weights         *ServiceWeights   `json:",omitempty"`
	Identity        *WorkloadIdentity `json:",omitempty"`
	Connect         *ConsulConnect    `json:",omitempty"`
	LB              *ServiceLB        `json:",omitempty"`
}

// ServiceCheck is one health check of a Service. Interval and Timeout are
// nanoseconds on the wire.
type ServiceCheck struct {
	Name                   string
	Type                   string
	Command                string
	Args                   []string
	Path                   string
	Protocol               string
	PortLabel              string
	Expose                 bool
	AddressMode            string
	Interval               time.Duration
	Timeout                time.Duration
	InitialStatus          string
	Method                 string
	Header                 map[string][]string
	Body                   string
	TaskName               string
	SuccessBeforePassing   int
	FailuresBeforeCritical int
	OnUpdate               string
	CheckRestart           *CheckRestart `json:",omitempty"`

	FailuresBeforeWarning int    `json:",omitempty"`
	GRPCService           string `json:",omitempty"`
	GRPCUseTLS            bool   `json:",omitempty"`
	TLSServerName         string `json:",omitempty"`
	TLSSkipVerify         bool   `json:",omitempty"`
	Notes                 string `json:",omitempty"`
}
