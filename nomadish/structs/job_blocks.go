package structs

import "time"

// The types below carry the blocks of Nomad's job specification that name
// a feature behind them (Vault, Consul, workload identity, CSI, Connect,
// task schedules, actions, the web UI). They mirror the api package's
// types field for field, with Nomad's JSON field names, because the HTTP
// layer decodes a job body straight into these types: a job registered
// with Nomad's API is stored and read back unchanged. Which of them
// nomadish acts on is listed in website/job-spec.md; their validation is
// in job_validate_blocks.go.

// JobUIConfig is a job's `ui` block: a description and links shown on the
// job's page in a web UI.
type JobUIConfig struct {
	Description string       `json:",omitempty"`
	Links       []*JobUILink `json:",omitempty"`
}

// JobUILink is one `link { label url }` of a job's ui block.
type JobUILink struct {
	Label string
	URL   string
}

// Multiregion is a job's `multiregion` block: how a job is deployed across
// federated regions.
type Multiregion struct {
	Strategy *MultiregionStrategy `json:",omitempty"`
	Regions  []*MultiregionRegion `json:",omitempty"`
}

// Values of MultiregionStrategy.OnFailure; "" fails the region that
// failed and those after it in the block.
const (
	MultiregionOnFailureAll   = "fail_all"
	MultiregionOnFailureLocal = "fail_local"
)

// MultiregionStatusRequest asks a region how its deployment of one
// rollout of a multiregion job stands (Deployment.MultiregionStatus).
type MultiregionStatusRequest struct {
	JobID   string
	Rollout string
	QueryOptions
}

// MultiregionStatusResponse is a region's answer: the status of its
// newest deployment of the rollout ("" when there is none yet), which
// deployment, and the job version it deploys.
type MultiregionStatusResponse struct {
	Status            string
	StatusDescription string
	DeploymentID      string
	JobVersion        uint64
	QueryMeta
}

// MultiregionStrategy paces a multiregion deployment.
type MultiregionStrategy struct {
	MaxParallel int    `json:",omitempty"`
	OnFailure   string `json:",omitempty"`
}

// MultiregionRegion is one `region "name"` of a multiregion block.
type MultiregionRegion struct {
	Name        string
	Count       int               `json:",omitempty"`
	Datacenters []string          `json:",omitempty"`
	NodePool    string            `json:",omitempty"`
	Meta        map[string]string `json:",omitempty"`
}

// Vault is a task's `vault` block: a Vault token for the task.
type Vault struct {
	Policies             []string `json:",omitempty"`
	Namespace            string   `json:",omitempty"`
	Role                 string   `json:",omitempty"`
	Cluster              string   `json:",omitempty"`
	Env                  bool
	DisableFile          bool
	ChangeMode           string `json:",omitempty"`
	ChangeSignal         string `json:",omitempty"`
	AllowTokenExpiration bool
}

// Consul is a group's or task's `consul` block: which Consul cluster,
// namespace and admin partition its services and templates use.
type Consul struct {
	Namespace string `json:",omitempty"`
	Cluster   string `json:",omitempty"`
	Partition string `json:",omitempty"`
}

// WorkloadIdentity is an `identity` block: a signed token describing the
// workload, exposed to the task as a file or an environment variable. The
// unnamed identity of a task is Task.Identity; named ones (for Vault,
// Consul or third parties) are Task.Identities.
type WorkloadIdentity struct {
	Name         string        `json:",omitempty"`
	Audience     []string      `json:",omitempty"`
	ChangeMode   string        `json:",omitempty"`
	ChangeSignal string        `json:",omitempty"`
	Env          bool          `json:",omitempty"`
	File         bool          `json:",omitempty"`
	Filepath     string        `json:",omitempty"`
	ServiceName  string        `json:",omitempty"`
	TTL          time.Duration `json:",omitempty"`
}

// TaskCSIPluginConfig is a task's `csi_plugin` block: the task is a CSI
// plugin the client registers.
type TaskCSIPluginConfig struct {
	ID                  string
	Type                string
	MountDir            string        `json:",omitempty"`
	StagePublishBaseDir string        `json:",omitempty"`
	HealthTimeout       time.Duration `json:",omitempty"`
}

// Secret is a task's `secret "name"` block: a secret fetched from a
// provider before the task starts, readable as ${secret.NAME.KEY}.
type Secret struct {
	Name     string
	Provider string
	Path     string
	Config   map[string]interface{} `json:",omitempty"`
	Env      map[string]string      `json:",omitempty"`
}

// Action is a task's `action "name"` block: a command an operator may run
// in a running allocation.
type Action struct {
	Name    string
	Command string
	Args    []string `json:",omitempty"`
}

// TaskSchedule is a task's `schedule` block: when the task may run.
type TaskSchedule struct {
	Cron *TaskScheduleCron `json:",omitempty"`
}

// TaskScheduleCron is the `cron { start end timezone }` of a schedule.
type TaskScheduleCron struct {
	Start    string
	End      string
	Timezone string `json:",omitempty"`
}

// DispatchPayloadConfig is a task's `dispatch_payload` block: where the
// payload of a dispatched job is written.
type DispatchPayloadConfig struct {
	File string
}

// ChangeScript is a template's `change_script` block, run when the
// template's change_mode is "script".
type ChangeScript struct {
	Command     string
	Args        []string      `json:",omitempty"`
	Timeout     time.Duration `json:",omitempty"`
	FailOnError bool
}

// WaitConfig is a template's `wait { min max }` block: how long to wait
// for its data to settle before rendering.
type WaitConfig struct {
	Min *time.Duration `json:",omitempty"`
	Max *time.Duration `json:",omitempty"`
}

// CSIMountOptions is a CSI volume's `mount_options` block.
type CSIMountOptions struct {
	FSType     string   `json:",omitempty"`
	MountFlags []string `json:",omitempty"`
}

// CNIConfig is a group network's `cni { args }` block: arguments passed to
// the CNI plugins.
type CNIConfig struct {
	Args map[string]string `json:",omitempty"`
}

// RequestedDevice is a `device "name"` block of a task's resources: Count
// instances of a device (vendor/type/name, or a prefix of it).
type RequestedDevice struct {
	Name        string
	Count       *uint64       `json:",omitempty"`
	Constraints []*Constraint `json:",omitempty"`
	Affinities  []*Affinity   `json:",omitempty"`
}

// NUMAResource is the `numa` block of a task's resources.
type NUMAResource struct {
	Affinity string   `json:",omitempty"`
	Devices  []string `json:",omitempty"`
}

// ServiceWeights is a service's `weights { passing warning }` block, the
// DNS SRV weights Consul gives it.
type ServiceWeights struct {
	Passing int
	Warning int
}

// ConsulConnect is a service's `connect` block: Consul service mesh.
type ConsulConnect struct {
	Native         bool                   `json:",omitempty"`
	Gateway        map[string]interface{} `json:",omitempty"`
	SidecarService *ConsulSidecarService  `json:",omitempty"`
	SidecarTask    *SidecarTask           `json:",omitempty"`
}

// ConsulSidecarService is a connect block's `sidecar_service`.
type ConsulSidecarService struct {
	Tags                   []string          `json:",omitempty"`
	Port                   string            `json:",omitempty"`
	Proxy                  *ConsulProxy      `json:",omitempty"`
	DisableDefaultTCPCheck bool              `json:",omitempty"`
	Meta                   map[string]string `json:",omitempty"`
}

// ConsulProxy is a sidecar service's `proxy` block.
type ConsulProxy struct {
	LocalServiceAddress string                  `json:",omitempty"`
	LocalServicePort    int                     `json:",omitempty"`
	Expose              *ConsulExposeConfig     `json:",omitempty"`
	Upstreams           []*ConsulUpstream       `json:",omitempty"`
	Config              map[string]interface{}  `json:",omitempty"`
	TransparentProxy    *ConsulTransparentProxy `json:",omitempty"`
}

// ConsulExposeConfig is a proxy's `expose` block.
type ConsulExposeConfig struct {
	Paths []*ConsulExposePath `json:",omitempty"`
}

// ConsulExposePath is one `path` of an expose block.
type ConsulExposePath struct {
	Path          string
	Protocol      string `json:",omitempty"`
	LocalPathPort int    `json:",omitempty"`
	ListenerPort  string `json:",omitempty"`
}

// ConsulUpstream is one `upstreams` block of a proxy.
type ConsulUpstream struct {
	DestinationName      string
	DestinationNamespace string                 `json:",omitempty"`
	DestinationPeer      string                 `json:",omitempty"`
	DestinationType      string                 `json:",omitempty"`
	LocalBindPort        int                    `json:",omitempty"`
	LocalBindAddress     string                 `json:",omitempty"`
	LocalBindSocketPath  string                 `json:",omitempty"`
	LocalBindSocketMode  string                 `json:",omitempty"`
	Datacenter           string                 `json:",omitempty"`
	MeshGateway          *ConsulMeshGateway     `json:",omitempty"`
	Config               map[string]interface{} `json:",omitempty"`
}

// ConsulMeshGateway is an upstream's `mesh_gateway { mode }`.
type ConsulMeshGateway struct {
	Mode string
}

// ConsulTransparentProxy is a proxy's `transparent_proxy` block.
type ConsulTransparentProxy struct {
	UID                  string   `json:",omitempty"`
	OutboundPort         int      `json:",omitempty"`
	ExcludeInboundPorts  []string `json:",omitempty"`
	ExcludeOutboundPorts []int    `json:",omitempty"`
	ExcludeOutboundCIDRs []string `json:",omitempty"`
	ExcludeUIDs          []string `json:",omitempty"`
	NoDNS                bool     `json:",omitempty"`
}

// SidecarTask is a connect block's `sidecar_task`: overrides of the task
// that runs the sidecar proxy.
type SidecarTask struct {
	Name          string                 `json:",omitempty"`
	Driver        string                 `json:",omitempty"`
	User          string                 `json:",omitempty"`
	Config        map[string]interface{} `json:",omitempty"`
	Env           map[string]string      `json:",omitempty"`
	Resources     *Resources             `json:",omitempty"`
	Meta          map[string]string      `json:",omitempty"`
	KillTimeout   *time.Duration         `json:",omitempty"`
	LogConfig     *LogConfig             `json:",omitempty"`
	ShutdownDelay *time.Duration         `json:",omitempty"`
	KillSignal    string                 `json:",omitempty"`
}
