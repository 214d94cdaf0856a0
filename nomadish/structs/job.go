package structs

import (
	"time"
)

// Job types.
const (
	JobTypeService  = "service"
	JobTypeBatch    = "batch"
	JobTypeSystem   = "system"
	JobTypeSysBatch = "sysbatch"
)

// Job statuses.
const (
	JobStatusPending = "pending"
	JobStatusRunning = "running"
	JobStatusDead    = "dead"
)

// Defaults applied by Canonicalize.
const (
	DefaultNamespace   = "default"
	DefaultNodePool    = "default"
	DefaultRegion      = "global"
	DefaultJobPriority = 50
	MinJobPriority     = 1
	MaxJobPriority     = 100
)

// Job is the unit a user submits: a named, versioned set of task groups
// with their placement rules and policies.
type Job struct {
	Region      string
	Namespace   string
	ID          string
	ParentID    string
	Name        string
	Type        string
	Priority    int
	AllAtOnce   bool
	Datacenters []string
	NodePool    string

	Constraints []*Constraint
	Affinities  []*Affinity
	Spreads     []*Spread
	TaskGroups  []*TaskGroup
	Update      UpdateStrategy

	Periodic         *PeriodicConfig
	ParameterizedJob *ParameterizedJobConfig
	Dispatched       bool

	// Reschedule and Migrate are job-wide defaults that Canonicalize
	// merges, field by field, into every group that leaves them unset.
	Reschedule *ReschedulePolicy `json:",omitempty"`
	Migrate    *MigrateStrategy  `json:",omitempty"`

	// UI and Multiregion are stored as given (job_blocks.go).
	UI          *JobUIConfig `json:",omitempty"`
	Multiregion *Multiregion `json:",omitempty"`
	// MultiregionRollout is set by the server on each region's copy of
	// a multiregion job: the same for every region's copy of one
	// submission, it ties their deployments together.
	MultiregionRollout string `json:",omitempty"`
	Payload            []byte
	Meta               map[string]string

	// Stop marks a job the user has stopped but not purged.
	Stop bool

	Status            string
	StatusDescription string
	Stable            bool
	Version           uint64
	SubmitTime        int64

	CreateIndex    uint64
	ModifyIndex    uint64
	JobModifyIndex uint64
}

// TaskGroup is a set of tasks placed together on one node, Count times.
type TaskGroup struct {
	Name          string
	Count         int
	Update        *UpdateStrategy
	Migrate       *MigrateStrategy
	Constraints   []*Constraint
	Affinities    []*Affinity
	Spreads       []*Spread
	RestartPolicy *RestartPolicy
	Tasks         []*Task
	EphemeralDisk *EphemeralDisk
	Meta          map[string]string

	ReschedulePolicy *ReschedulePolicy
	Networks         []*NetworkResource
	Services         []*Service
	Volumes          map[string]*VolumeRequest
	ShutdownDelay    *time.Duration `json:",omitempty"`

	// Disconnect says what happens to the group's allocations when their
	// client stops heartbeating (job_disconnect.go). MaxClientDisconnect
	// and StopAfterClientDisconnect are the older spellings of
	// Disconnect.LostAfter and Disconnect.StopOnClientAfter.
	Disconnect                *DisconnectStrategy `json:",omitempty"`
	MaxClientDisconnect       *time.Duration      `json:",omitempty"`
	StopAfterClientDisconnect *time.Duration      `json:",omitempty"`
	PreventRescheduleOnLost   bool                `json:",omitempty"`

	// Scaling bounds the group's Count (job_scaling.go).
	Scaling *ScalingPolicy `json:",omitempty"`

	// Consul is the group's consul block (job_blocks.go).
	Consul *Consul `json:",omitempty"`
}

// Task is a single process (or container, or Wasm module) run by a driver.
type Task struct {
	Name          string
	Driver        string
	User          string
	Config        map[string]interface{}
	Env           map[string]string
	Services      []*Service
	Resources     *Resources
	Constraints   []*Constraint
	Affinities    []*Affinity
	Meta          map[string]string
	KillTimeout   time.Duration
	KillSignal    string
	LogConfig     *LogConfig
	Artifacts     []*TaskArtifact
	Templates     []*Template
	Lifecycle     *TaskLifecycleConfig
	Leader        bool
	RestartPolicy *RestartPolicy `json:",omitempty"`
	VolumeMounts  []*VolumeMount

	// ShutdownDelay is how long the client waits, once the task is told
	// to stop, before it sends KillSignal (Nomad's task shutdown_delay).
	ShutdownDelay time.Duration
	// MaxRunDuration, when set, is a deadline: the client kills the task
	// once this long has passed since it first started in its allocation
	// (restarts do not reset it) and marks it failed, without a restart.
	// It is a nomadish extension: Nomad's job specification has no such
	// field.
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

// Volume request types.
const (
	VolumeTypeHost = "host"
	VolumeTypeCSI  = "csi"
)

// VolumeRequest asks for a host or CSI volume in a group. For a host
// volume, Source names one of the node's HostVolumes.
type VolumeRequest struct {
	Name     string
	Type     string
	Source   string
	ReadOnly bool
	// Sticky asks the scheduler to keep a replacement allocation on the
	// node the previous one used, as EphemeralDisk.Sticky does.
	Sticky bool `json:",omitempty"`
	// PerAlloc appends the allocation's index to Source ("data[0]").
	PerAlloc bool `json:",omitempty"`
	// AccessMode, AttachmentMode and MountOptions are for CSI volumes.
	AccessMode     string           `json:",omitempty"`
	AttachmentMode string           `json:",omitempty"`
	MountOptions   *CSIMountOptions `json:",omitempty"`
}

// VolumeMount mounts a group's volume into a task.
type VolumeMount struct {
	Volume          string
	Destination     string
	ReadOnly        bool
	PropagationMode string `json:",omitempty"`
	SELinuxLabel    string `json:",omitempty"`
}

// TaskArtifact is a file or archive fetched into the task directory.
type TaskArtifact struct {
	GetterSource  string
	GetterOptions map[string]string
	GetterMode    string
	RelativeDest  string

	GetterHeaders  map[string]string `json:",omitempty"`
	GetterInsecure bool              `json:",omitempty"`
	Chown          bool              `json:",omitempty"`
}

// Template is a file rendered into the task directory.
type Template struct {
	SourcePath   string
	DestPath     string
	EmbeddedTmpl string
	ChangeMode   string
	ChangeSignal string
	Perms        string
	Envvars      bool

	Splay         time.Duration `json:",omitempty"`
	LeftDelim     string        `json:",omitempty"`
	RightDelim    string        `json:",omitempty"`
	ChangeScript  *ChangeScript `json:",omitempty"`
	Wait          *WaitConfig   `json:",omitempty"`
	ErrMissingKey bool          `json:",omitempty"`
	Uid           *int          `json:",omitempty"`
	Gid           *int          `json:",omitempty"`
	Once          bool          `json:",omitempty"`
}

// TaskLifecycleConfig orders a task relative to the group's main tasks.
type TaskLifecycleConfig struct {
	Hook    string
	Sidecar bool
}

// Task lifecycle hooks.
const (
	TaskLifecycleHookPrestart  = "prestart"
	TaskLifecycleHookPoststart = "poststart"
	TaskLifecycleHookPoststop  = "poststop"
)

// LogConfig bounds a task's rotated log files.
type LogConfig struct {
	MaxFiles      int
	MaxFileSizeMB int
	Disabled      bool
}

// Copy returns a deep copy of the job, safe to mutate.
func (j *Job) Copy() *Job {
	if j == nil {
		return nil
	}
	var out Job
	mustCopy(j, &out)
	return &out
}

// LookupTaskGroup returns the named group or nil.
func (j *Job) LookupTaskGroup(name string) *TaskGroup {
	for _, tg := range j.TaskGroups {
		if tg.Name == name {
			return tg
		}
	}
	return nil
}

// NamespacedID identifies a job across namespaces.
func (j *Job) NamespacedID() NamespacedID {
	return NamespacedID{Namespace: j.Namespace, ID: j.ID}
}

// IsPeriodic reports whether the job launches children on a schedule.
func (j *Job) IsPeriodic() bool { return j.Periodic != nil && j.Periodic.Enabled }

// IsParameterized reports whether the job is a dispatch template.
func (j *Job) IsParameterized() bool { return j.ParameterizedJob != nil && !j.Dispatched }

// Stub returns the list view of a job.
func (j *Job) Stub(summary *JobSummary) *JobListStub {
	return &JobListStub{
		ID:                j.ID,
		ParentID:          j.ParentID,
		Name:              j.Name,
		Namespace:         j.Namespace,
		Datacenters:       j.Datacenters,
		NodePool:          j.NodePool,
		Type:              j.Type,
		Priority:          j.Priority,
		Periodic:          j.IsPeriodic(),
		ParameterizedJob:  j.IsParameterized(),
		Stop:              j.Stop,
		Status:            j.Status,
		StatusDescription: j.StatusDescription,
		JobSummary:        summary,
		CreateIndex:       j.CreateIndex,
		ModifyIndex:       j.ModifyIndex,
		JobModifyIndex:    j.JobModifyIndex,
		SubmitTime:        j.SubmitTime,
		Version:           j.Version,
	}
}

// JobListStub is the shape of one entry of GET /v1/jobs.
type JobListStub struct {
	ID                string
	ParentID          string
	Name              string
	Namespace         string
	Datacenters       []string
	NodePool          string
	Type              string
	Priority          int
	Periodic          bool
	ParameterizedJob  bool
	Stop              bool
	Status            string
	StatusDescription string
	JobSummary        *JobSummary
	CreateIndex       uint64
	ModifyIndex       uint64
	JobModifyIndex    uint64
	SubmitTime        int64
	Version           uint64
}

// NamespacedID is a (namespace, ID) pair.
type NamespacedID struct {
	Namespace string
	ID        string
}

func (n NamespacedID) String() string { return n.Namespace + "/" + n.ID }

// JobSummary counts a job's allocations by client status per task group.
type JobSummary struct {
	JobID       string
	Namespace   string
	Summary     map[string]TaskGroupSummary
	Children    *JobChildrenSummary
	CreateIndex uint64
	ModifyIndex uint64
}

// TaskGroupSummary counts one group's allocations by state.
type TaskGroupSummary struct {
	Queued   int
	Complete int
	Failed   int
	Running  int
	Starting int
	Lost     int
	Unknown  int
}

// JobChildrenSummary counts the children of a periodic or parameterized job.
type JobChildrenSummary struct {
	Pending int64
	Running int64
	Dead    int64
}

// Copy returns a deep copy of the summary.
func (s *JobSummary) Copy() *JobSummary {
	if s == nil {
		return nil
	}
	out := *s
	out.Summary = make(map[string]TaskGroupSummary, len(s.Summary))
	for k, v := range s.Summary {
		out.Summary[k] = v
	}
	if s.Children != nil {
		c := *s.Children
		out.Children = &c
	}
	return &out
}
