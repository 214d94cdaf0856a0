package api

import "time"

// TaskGroup is a set of tasks placed together on one node, Count times.
type TaskGroup struct {
	Name             string
	Count            int
	Constraints      []*Constraint
	Affinities       []*Affinity
	Spreads          []*Spread
	Tasks            []*Task
	RestartPolicy    *RestartPolicy
	ReschedulePolicy *ReschedulePolicy
	Update           *UpdateStrategy
	Migrate          *MigrateStrategy
	EphemeralDisk    *EphemeralDisk
	Networks         []*NetworkResource
	Services         []*Service
	Volumes          map[string]*VolumeRequest
	Meta             map[string]string
	ShutdownDelay    time.Duration

	Disconnect                *DisconnectStrategy `json:",omitempty"`
	MaxClientDisconnect       *time.Duration      `json:",omitempty"`
	StopAfterClientDisconnect *time.Duration      `json:",omitempty"`
	PreventRescheduleOnLost   bool                `json:",omitempty"`
	Scaling                   *ScalingPolicy      `json:",omitempty"`

	// Consul is the group's consul block (job_blocks.go).
	Consul *Consul `json:",omitempty"`
}

// Task is one unit of work run by a driver.
type Task struct {
	Name        string
	Driver      string
	User        string
	Config      map[string]interface{}
	Env         map[string]string
	Services    []*Service
	Resources   *Resources
	Constraints []*Constraint
	Affinities  []*Affinity
	Meta        map[string]string
	KillTimeout time.Duration
	KillSignal  string
	LogConfig   *LogConfig
	Artifacts   []*TaskArtifact
	Templates   []*Template
	Lifecycle   *TaskLifecycle
	Leader      bool

	// RestartPolicy overrides the group's restart policy for this task.
	RestartPolicy *RestartPolicy `json:",omitempty"`
	// VolumeMounts mount the group's volumes into the task.
	VolumeMounts []*VolumeMount `json:",omitempty"`

	// ShutdownDelay is how long the client waits, once the task is told
	// to stop, before it sends KillSignal (HCL shutdown_delay).
	ShutdownDelay time.Duration `json:",omitempty"`
	// MaxRunDuration, when set, is a deadline counted from the task's
	// first start in its allocation (HCL max_run_duration): past it the
	// client kills the task and marks it failed, without a restart. It is
	// a nomadish extension: Nomad's job specification has no such field.
	MaxRunDuration *time.Duration `json:",omitempty"`

	// The blocks below name features behind them (job_blocks.go); which
	// of them nomadish acts on is listed in website/job-spec.md.
	Kind            string                 `json:",omitempty"`
	Vault           *Vault                 `json:",omitempty"`
	Consul          *Consul                `json:",omitempty"`
	Identity        *WorkloadIdentity      `json:",omitempty"`
	Identities      []*WorkloadIdentity    `json:",omitempty"`
	CSIPluginConfig *TaskCSIPluginConfig   `json:",omitempty"`
	Secrets         []*Secret              `json:",omitempty"`
	Actions         []*Action              `json:",omitempty"`
	Schedule        *TaskSchedule          `json:",omitempty"`
	DispatchPayload *DispatchPayloadConfig `json:",omitempty"`
	ScalingPolicies []*ScalingPolicy       `json:",omitempty"`
}

// VolumeMount mounts a group's volume into a task at Destination.
type VolumeMount struct {
	Volume          string
	Destination     string
	ReadOnly        bool
	PropagationMode string `json:",omitempty"`
	SELinuxLabel    string `json:",omitempty"`
}

// RestartPolicy says how a client restarts a failed task in place: up to
// Attempts restarts per Interval, Delay apart; Mode "fail" or "delay" when
// exhausted.
type RestartPolicy struct {
	Interval        time.Duration
	Attempts        int
	Delay           time.Duration
	Mode            string
	RenderTemplates bool
}

// ReschedulePolicy says how the scheduler replaces a failed allocation on
// another node.
type ReschedulePolicy struct {
	Attempts      int
	Interval      time.Duration
	Delay         time.Duration
	DelayFunction string
	MaxDelay      time.Duration
	Unlimited     bool
}

// MigrateStrategy says how allocations move off a draining node.
type MigrateStrategy struct {
	MaxParallel     int
	HealthCheck     string
	MinHealthyTime  time.Duration
	HealthyDeadline time.Duration
}

// EphemeralDisk is the group's scratch disk.
type EphemeralDisk struct {
	Sticky  bool
	Migrate bool
	SizeMB  int
}

// VolumeRequest asks for a host or CSI volume for a group.
type VolumeRequest struct {
	Name     string
	Type     string
	Source   string
	ReadOnly bool
	PerAlloc bool
	Sticky   bool `json:",omitempty"`

	// AccessMode, AttachmentMode and MountOptions are for CSI volumes.
	AccessMode     string           `json:",omitempty"`
	AttachmentMode string           `json:",omitempty"`
	MountOptions   *CSIMountOptions `json:",omitempty"`
}

// LogConfig bounds a task's rotated log files.
type LogConfig struct {
	MaxFiles      int
	MaxFileSizeMB int
	Disabled      bool
}

// TaskArtifact is fetched into the task directory before the task starts.
type TaskArtifact struct {
	GetterSource  string
	GetterOptions map[string]string
	GetterHeaders map[string]string
	GetterMode    string
	RelativeDest  string
	// GetterInsecure skips TLS verification (HCL insecure); Chown gives
	// the fetched files to the task's user.
	GetterInsecure bool `json:",omitempty"`
	Chown          bool `json:",omitempty"`
}

// Template is rendered into the task directory, re-rendered on change.
type Template struct {
	SourcePath   string
	DestPath     string
	EmbeddedTmpl string
	ChangeMode   string
	ChangeSignal string
	Splay        time.Duration
	Perms        string
	LeftDelim    string
	RightDelim   string
	Envvars      bool

	ChangeScript  *ChangeScript `json:",omitempty"`
	Wait          *WaitConfig   `json:",omitempty"`
	ErrMissingKey bool          `json:",omitempty"`
	Uid           *int          `json:",omitempty"`
	Gid           *int          `json:",omitempty"`
	Once          bool          `json:",omitempty"`
}

// TaskLifecycle runs a task as a prestart, poststart or poststop hook of
// its group instead of as a main task.
type TaskLifecycle struct {
	Hook    string
	Sidecar bool
}
