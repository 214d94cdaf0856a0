package structs

import "time"

// Service registers a task or group in service discovery.
type Service struct {
	Name        string
	TaskName    string
	PortLabel   string
	AddressMode string
	Address     string
	Provider    string
	Tags        []string
	CanaryTags  []string
	Checks      []*ServiceCheck
	Meta        map[string]string
	// CheckRestart applies to every check of the service that has none
	// of its own; stored only until checks run.
	CheckRestart *CheckRestart `json:",omitempty"`

	EnableTagOverride bool              `json:",omitempty"`
	TaggedAddresses   map[string]string `json:",omitempty"`
	CanaryMeta        map[string]string `json:",omitempty"`
	OnUpdate          string            `json:",omitempty"`
	Cluster           string            `json:",omitempty"`
	Kind              string            `json:",omitempty"`
	Weights           *ServiceWeights   `json:",omitempty"`
	Identity          *WorkloadIdentity `json:",omitempty"`
	Connect           *ConsulConnect    `json:",omitempty"`
	// LB is the service's lb block (service_lb.go).
	LB *ServiceLB `json:",omitempty"`
}

// ServiceCheck is a health check of a service.
type ServiceCheck struct {
	Name          string
	Type          string
	Command       string
	Args          []string
	Path          string
	Protocol      string
	PortLabel     string
	Method        string
	Interval      time.Duration
	Timeout       time.Duration
	InitialStatus string
	TaskName      string
	CheckRestart  *CheckRestart `json:",omitempty"`

	Expose                 bool                `json:",omitempty"`
	AddressMode            string              `json:",omitempty"`
	Header                 map[string][]string `json:",omitempty"`
	Body                   string              `json:",omitempty"`
	SuccessBeforePassing   int                 `json:",omitempty"`
	FailuresBeforeCritical int                 `json:",omitempty"`
	FailuresBeforeWarning  int                 `json:",omitempty"`
	OnUpdate               string              `json:",omitempty"`
	GRPCService            string              `json:",omitempty"`
	GRPCUseTLS             bool                `json:",omitempty"`
	TLSServerName          string              `json:",omitempty"`
	TLSSkipVerify          bool                `json:",omitempty"`
	Notes                  string              `json:",omitempty"`
}

var validCheckTypes = []string{"http", "tcp", "script", "grpc"}

func (s *Service) validate(v validator) {
	if s.Name == "" {
		v.fail("Name", "required")
	}
	switch s.Provider {
	case "", "nomad", "consul":
	default:
		v.fail("Provider", "unknown provider %q; accepted: \"nomad\", \"consul\"", s.Provider)
	}
	if s.LB != nil {
		if s.PortLabel == "" {
			v.at("LB").fail("", "a service balanced by an lb block needs a port: set port in the service block")
		}
		s.LB.validate(v.at("LB"))
	}
	for i, c := range s.Checks {
		if c == nil {
			continue // checkBounds reports it
		}
		cv := v.index("Checks", i)
		ok := false
		for _, t := range validCheckTypes {
			ok = ok || t == c.Type
		}
		if !ok {
			cv.fail("Type", "unknown check type %q; accepted: %s", c.Type, joinQuoted(validCheckTypes))
		}
		if c.Interval <= 0 {
			cv.fail("Interval", "must be positive")
		}
		if c.Timeout <= 0 {
			cv.fail("Timeout", "must be positive")
		}
		if c.Type == "http" && c.Path == "" {
			cv.fail("Path", "required for an http check")
		}
		if c.Type == "script" && c.Command == "" {
			cv.fail("Command", "required for a script check")
		}
	}
}
