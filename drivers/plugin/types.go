package plugin

import "time"

// PluginInfo names a driver plugin.
type PluginInfo struct {
	Name            string
	PluginVersion   string
	ProtocolVersion int
}

// ConfigSchema holds the schemas of the plugin's own config block and of a
// task's config block (see Schema).
type ConfigSchema struct {
	Plugin *Schema
	Task   *Schema
}

// Health is a driver's health as its fingerprint reports it.
type Health int

const (
	HealthUndetected Health = iota
	HealthUnhealthy
	HealthHealthy
)

func (h Health) String() string {
	switch h {
	case HealthUnhealthy:
		return "unhealthy"
	case HealthHealthy:
		return "healthy"
	}
	return "undetected"
}

// Fingerprint is a driver's health and attributes, e.g.
// "driver.mock.version".
type Fingerprint struct {
	Health            Health
	HealthDescription string
	Attributes        map[string]string
}

// Capabilities are the optional abilities a driver has.
type Capabilities struct {
	SendSignals bool
	Exec        bool
	// FSIsolation is "none", "chroot" or "image".
	FSIsolation string
	// RecoverAfterPluginRestart says tasks outlive the plugin process.
	RecoverAfterPluginRestart bool
}

// Resources are what the scheduler granted a task.
type Resources struct {
	CPUMHz      int64
	Cores       int64
	MemoryMB    int64
	MemoryMaxMB int64
	DiskMB      int64
}

// TaskDir is the task's directory layout on the client's machine.
type TaskDir struct {
	Dir            string
	LocalDir       string
	SecretsDir     string
	TmpDir         string
	SharedAllocDir string
	LogDir         string
}

// TaskConfig is everything a driver needs to start a task.
type TaskConfig struct {
	ID            string
	Name          string
	AllocID       string
	JobName       string
	TaskGroupName string
	Env           map[string]string
	User          string
	Resources     Resources
	// DriverConfig is the task's config block as a JSON object.
	DriverConfig []byte
	TaskDir      TaskDir
	StdoutPath   string
	StderrPath   string
	// Mounts are the host volumes the client resolved for the task's
	// volume_mount blocks. They come from the operator's client config, so
	// a driver binds them without asking its own plugin config.
	Mounts []MountConfig
}

// MountConfig binds HostPath on the client's machine at TaskPath inside the
// task, read-only when Readonly is set.
type MountConfig struct {
	TaskPath string
	HostPath string
	Readonly bool
}

// TaskState is where a task is in its life.
type TaskState int

const (
	TaskStateUnknown TaskState = iota
	TaskStateRunning
	TaskStateExited
)

func (s TaskState) String() string {
	switch s {
	case TaskStateRunning:
		return "running"
	case TaskStateExited:
		return "exited"
	}
	return "unknown"
}

// TaskHandle is what StartTask returns and the client stores, so that
// RecoverTask can find the task again after a restart. DriverState is
// opaque to the client; Version lets a driver read handles an older
// version of itself wrote.
type TaskHandle struct {
	Version     int
	Config      *TaskConfig
	State       TaskState
	DriverState []byte
}

// ExitResult is how a task (or an exec'd command) ended.
type ExitResult struct {
	ExitCode  int
	Signal    int
	OOMKilled bool
	// Err is a failure of the driver to run or wait for the task.
	Err string
}

// Successful reports an exit code of zero without signal, OOM or error.
func (r *ExitResult) Successful() bool {
	return r.ExitCode == 0 && r.Signal == 0 && !r.OOMKilled && r.Err == ""
}

// TaskStatus is what InspectTask reports.
type TaskStatus struct {
	ID               string
	Name             string
	State            TaskState
	StartedAt        time.Time
	CompletedAt      time.Time
	ExitResult       *ExitResult
	DriverAttributes map[string]string
}

// TaskResourceUsage is one sample of a task's resource use.
type TaskResourceUsage struct {
	Timestamp           time.Time
	CPUPercent          float64
	CPUUserTicks        float64
	CPUSystemTicks      float64
	MemoryRSSBytes      uint64
	MemoryUsageBytes    uint64
	MemoryMaxUsageBytes uint64
}

// TaskEvent is something a driver wants shown in the task's events.
type TaskEvent struct {
	TaskID      string
	AllocID     string
	TaskName    string
	Timestamp   time.Time
	Message     string
	Annotations map[string]string
}
