package api

import "net/url"

// HostStats is a snapshot of a client's machine, from GET
// /v1/client/stats.
type HostStats struct {
	Memory           *HostMemoryStats
	CPU              []*HostCPUStats
	DiskStats        []*HostDiskStats
	AllocDirStats    *HostDiskStats
	Uptime           uint64 // seconds
	Timestamp        int64  // Unix nanoseconds
	CPUTicksConsumed float64
	// NotMeasured names the fields the client's operating system does
	// not let it measure.
	NotMeasured []string `json:",omitempty"`
}

// HostMemoryStats are bytes.
type HostMemoryStats struct {
	Total     uint64
	Available uint64
	Used      uint64
	Free      uint64
}

// HostCPUStats are percentages of one core's time since the client's
// previous snapshot; Total is the busy share, 100 - Idle.
type HostCPUStats struct {
	CPU    string
	User   float64
	System float64
	Idle   float64
	Total  float64
}

// HostDiskStats is one file system's usage; sizes are bytes.
type HostDiskStats struct {
	Device            string
	Mountpoint        string
	Size              uint64
	Used              uint64
	Available         uint64
	UsedPercent       float64
	InodesUsedPercent float64
}

// Stats reads the host statistics of the client of the agent the Client
// talks to. A non-empty nodeID must be that client's node: the agent does
// not forward the request to another node's.
func (n *Nodes) Stats(nodeID string, q *QueryOptions) (*HostStats, error) {
	path := "/v1/client/stats"
	if nodeID != "" {
		path += "?node_id=" + url.QueryEscape(nodeID)
	}
	var resp HostStats
	if _, err := n.client.query(path, &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}
