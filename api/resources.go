package api

// Resources is what a task asks for (or a node offers). CPU is in MHz,
// memory and disk in MB.
type Resources struct {
	CPU         int
	Cores       int
	MemoryMB    int
	MemoryMaxMB int
	DiskMB      int
	Networks    []*NetworkResource

	// SecretsMB sizes the task's secrets directory (HCL secrets).
	SecretsMB int                `json:",omitempty"`
	Devices   []*RequestedDevice `json:",omitempty"`
	NUMA      *NUMAResource      `json:",omitempty"`
}

// NetworkResource is a network asked for by a group or task, or offered by
// a node.
type NetworkResource struct {
	Mode          string
	Device        string
	CIDR          string
	IP            string
	Hostname      string `json:",omitempty"`
	MBits         int
	DNS           *DNSConfig `json:",omitempty"`
	CNI           *CNIConfig `json:",omitempty"`
	ReservedPorts []Port
	DynamicPorts  []Port
}

// Port is a named port: Value is the host port (zero for a dynamic port not
// yet assigned), To the port inside the task's network namespace.
type Port struct {
	Label       string
	Value       int
	To          int
	HostNetwork string
	// IgnoreCollision lets a static port be shared (HCL ignore_collision).
	IgnoreCollision bool `json:",omitempty"`
}

// DNSConfig overrides the resolver settings of a group's network namespace.
type DNSConfig struct {
	Servers  []string
	Searches []string
	Options  []string
}
