package structs

// Resource floors and defaults, as Nomad documents them.
const (
	MinCPU          = 1
	MinMemoryMB     = 10
	DefaultCPU      = 100
	DefaultMemoryMB = 300
	DefaultDiskMB   = 300
	MinDynamicPort  = 20000
	MaxDynamicPort  = 32000
	MaxValidPort    = 65535
)

// Resources is what a task asks for (or a node offers, in NodeResources).
type Resources struct {
	CPU         int
	Cores       int
	MemoryMB    int
	MemoryMaxMB int
	DiskMB      int
	Networks    []*NetworkResource

	// SecretsMB, Devices and NUMA are stored; see website/job-spec.md.
	SecretsMB int                `json:",omitempty"`
	Devices   []*RequestedDevice `json:",omitempty"`
	NUMA      *NUMAResource      `json:",omitempty"`
}

// NetworkResource is a network a group or task asks for, or one a node has.
type NetworkResource struct {
	Mode          string
	Device        string
	CIDR          string
	IP            string
	Hostname      string
	MBits         int
	DNS           *DNSConfig
	CNI           *CNIConfig `json:",omitempty"`
	ReservedPorts []Port
	DynamicPorts  []Port
}

// DNSConfig overrides a network's resolver settings.
type DNSConfig struct {
	Servers  []string
	Searches []string
	Options  []string
}

// Port is a labelled port: static when Value is set in ReservedPorts,
// chosen by the scheduler when listed in DynamicPorts. To maps it inside
// the task's network namespace.
type Port struct {
	Label       string
	Value       int
	To          int
	HostNetwork string
	// IgnoreCollision lets a static port be shared (HCL ignore_collision).
	IgnoreCollision bool `json:",omitempty"`
}

// EphemeralDisk is the group's scratch disk.
type EphemeralDisk struct {
	Sticky  bool
	SizeMB  int
	Migrate bool
}
