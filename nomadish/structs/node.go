package structs

// Node statuses.
const (
	NodeStatusInit         = "initializing"
	NodeStatusReady        = "ready"
	NodeStatusDown         = "down"
	NodeStatusDisconnected = "disconnected"
)

// Node scheduling eligibility.
const (
	NodeSchedulingEligible   = "eligible"
	NodeSchedulingIneligible = "ineligible"
)

// Node is a client machine that runs allocations.
type Node struct {
	ID                    string
	SecretID              string
	Datacenter            string
	Name                  string
	HTTPAddr              string
	NodePool              string
	NodeClass             string
	ComputedClass         string
	Attributes            map[string]string
	NodeResources         *NodeResources
	ReservedResources     *NodeReservedResources
	Links                 map[string]string
	Meta                  map[string]string
	Drivers               map[string]*DriverInfo
	Status                string
	StatusDescription     string
	StatusUpdatedAt       int64
	SchedulingEligibility string
	Drain                 bool
	DrainStrategy         *DrainStrategy
	Events                []*NodeEvent
	CreateIndex           uint64
	ModifyIndex           uint64

	// HostVolumes are the directories the client offers to groups that
	// ask for a volume of type "host", by name.
	HostVolumes map[string]*ClientHostVolumeConfig
}

// ClientHostVolumeConfig is a host volume a client offers: a directory
// on the node, read-only or not.
type ClientHostVolumeConfig struct {
	Name     string
	Path     string
	ReadOnly bool
}

// NodeResources is what a node offers.
type NodeResources struct {
	Cpu      NodeCpuResources
	Memory   NodeMemoryResources
	Disk     NodeDiskResources
	Networks []*NetworkResource
}

// NodeCpuResources is a node's compute.
type NodeCpuResources struct {
	CpuShares          int64
	TotalCpuCores      int
	ReservableCpuCores []uint16
}

// NodeMemoryResources is a node's memory.
type NodeMemoryResources struct {
	MemoryMB int64
}

// NodeDiskResources is a node's allocatable disk.
type NodeDiskResources struct {
	DiskMB int64
}

// NodeReservedResources is held back from scheduling.
type NodeReservedResources struct {
	Cpu      NodeCpuResources
	Memory   NodeMemoryResources
	Disk     NodeDiskResources
	Networks NodeReservedNetworkResources
}

// NodeReservedNetworkResources lists ports held back from scheduling.
type NodeReservedNetworkResources struct {
	ReservedHostPorts string
}

// DriverInfo is a driver's fingerprint on a node.
type DriverInfo struct {
	Attributes        map[string]string
	Detected          bool
	Healthy           bool
	HealthDescription string
	UpdateTime        int64
}

// DrainStrategy describes an ongoing drain.
type DrainStrategy struct {
	Deadline         int64
	IgnoreSystemJobs bool
	ForceDeadline    int64
	StartedAt        int64
}

// NodeEvent is a notable change in a node's life.
type NodeEvent struct {
	Message     string
	Subsystem   string
	Details     map[string]string
	Timestamp   int64
	CreateIndex uint64
}

// Ready reports whether the node can take new work.
func (n *Node) Ready() bool {
	return n.Status == NodeStatusReady && !n.Drain && n.SchedulingEligibility == NodeSchedulingEligible
}

// Copy returns a deep copy of the node.
func (n *Node) Copy() *Node {
	if n == nil {
		return nil
	}
	var out Node
	mustCopy(n, &out)
	return &out
}

// Canonicalize fills defaults for a node registering for the first time.
func (n *Node) Canonicalize() {
	if n.NodePool == "" {
		n.NodePool = DefaultNodePool
	}
	if n.SchedulingEligibility == "" {
		n.SchedulingEligibility = NodeSchedulingEligible
	}
	if n.Status == "" {
		n.Status = NodeStatusInit
	}
}

// Validate checks what a client sends when it registers.
func (n *Node) Validate() error {
	v := newValidator()
	if n.ID == "" {
		v.fail("ID", "required")
	}
	if n.Datacenter == "" {
		v.fail("Datacenter", "required")
	}
	if n.Name == "" {
		v.fail("Name", "required")
	}
	switch n.Status {
	case "", NodeStatusInit, NodeStatusReady, NodeStatusDown, NodeStatusDisconnected:
	default:
		v.fail("Status", "unknown status %q; accepted: %s", n.Status, joinQuoted([]string{NodeStatusInit, NodeStatusReady, NodeStatusDown, NodeStatusDisconnected}))
	}
	return v.err()
}

// ValidNodeStatus reports whether s is a node status.
func ValidNodeStatus(s string) bool {
	switch s {
	case NodeStatusInit, NodeStatusReady, NodeStatusDown, NodeStatusDisconnected:
		return true
	}
	return false
}

// Stub returns the list view of a node.
func (n *Node) Stub() *NodeListStub {
	return &NodeListStub{
		Address:               n.Attributes["unique.network.ip-address"],
		ID:                    n.ID,
		Datacenter:            n.Datacenter,
		Name:                  n.Name,
		NodePool:              n.NodePool,
		NodeClass:             n.NodeClass,
		Version:               n.Attributes["nomad.version"],
		Drain:                 n.Drain,
		SchedulingEligibility: n.SchedulingEligibility,
		Status:                n.Status,
		StatusDescription:     n.StatusDescription,
		Drivers:               n.Drivers,
		CreateIndex:           n.CreateIndex,
		ModifyIndex:           n.ModifyIndex,
	}
}

// NodeListStub is the shape of one entry of GET /v1/nodes.
type NodeListStub struct {
	Address               string
	ID                    string
	Datacenter            string
	Name                  string
	NodePool              string
	NodeClass             string
	Version               string
	Drain                 bool
	SchedulingEligibility string
	Status                string
	StatusDescription     string
	Drivers               map[string]*DriverInfo
	CreateIndex           uint64
	ModifyIndex           uint64
}
