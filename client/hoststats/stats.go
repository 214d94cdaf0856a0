package hoststats

// HostStats is one snapshot of the host, in the shape of Nomad's
// /v1/client/stats answer.
type HostStats struct {
	Memory *HostMemoryStats
	// CPU is one entry per core ("cpu0", "cpu1", ...), in the order
	// /proc/stat lists them.
	CPU []*HostCPUStats
	// DiskStats are the file systems of real devices, by mount point.
	DiskStats []*HostDiskStats
	// AllocDirStats is the file system holding the allocation directory.
	AllocDirStats *HostDiskStats
	// Uptime is seconds since boot.
	Uptime uint64
	// Timestamp is when the snapshot was taken, Unix nanoseconds.
	Timestamp int64
	// CPUTicksConsumed is the busy share of the whole machine's compute,
	// in MHz: the cores' busy percentages times each core's share of the
	// total compute the Collector was given (0 when it was given none).
	CPUTicksConsumed float64
	// NotMeasured names the fields above that this operating system does
	// not let the collector measure; they are left zero.
	NotMeasured []string `json:",omitempty"`
}

// HostMemoryStats are bytes, from /proc/meminfo. Used is Total less
// Available.
type HostMemoryStats struct {
	Total     uint64
	Available uint64
	Used      uint64
	Free      uint64
}

// HostCPUStats are the percentages of one core's time since the previous
// sample spent in user mode (with nice), in the kernel (with interrupts),
// idle (with I/O wait), and busy (Total = 100 - Idle).
type HostCPUStats struct {
	CPU    string
	User   float64
	System float64
	Idle   float64
	Total  float64
}

// HostDiskStats is one file system's usage. Size, Used and Available are
// bytes; UsedPercent is used over used plus available, as df counts it
// (blocks reserved for root are in neither).
type HostDiskStats struct {
	Device            string
	Mountpoint        string
	Size              uint64
	Used              uint64
	Available         uint64
	UsedPercent       float64
	InodesUsedPercent float64
}
