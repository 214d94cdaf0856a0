package runtime

import (
	"fmt"
	"path/filepath"
	"time"
)

// Stats are a container's resource usage read from its cgroup.
type Stats struct {
	// CgroupVersion is 2 or 1: which hierarchy the figures come from.
	CgroupVersion int

	// CPU time in nanoseconds, total and split into user and system.
	CPUTotalNanos  uint64
	CPUUserNanos   uint64
	CPUSystemNanos uint64
	// Throttling by the CPU quota: periods throttled and time throttled.
	ThrottledPeriods uint64
	ThrottledNanos   uint64

	// Memory in bytes: in use (including page cache), anonymous
	// (RSS), page cache, swap, and the peak where the kernel keeps it.
	MemoryUsage    uint64
	MemoryRSS      uint64
	MemoryCache    uint64
	MemorySwap     uint64
	MemoryMaxUsage uint64

	// Pids is the number of processes and threads in the cgroup.
	Pids uint64
}

// userHZ is the unit of v1 cpuacct.stat: USER_HZ, 100 on every Linux
// architecture nomadish runs on.
const userHZ = 100

// readStats reads Stats from the cgroup directories.
func readStats(cg cgroups) (*Stats, error) {
	if cg.v2Has("memory.current") || (cg.v2Has("cpu.stat") && len(cg.V1) == 0) {
		return readStatsV2(cg.V2)
	}
	if len(cg.V1) > 0 {
		return readStatsV1(cg.V1)
	}
	return nil, fmt.Errorf("no cgroup found for the container")
}

func readStatsV2(dir string) (*Stats, error) {
	s := &Stats{CgroupVersion: 2}
	cpu, err := readKeyed(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return nil, fmt.Errorf("read cgroup v2 cpu.stat: %w", err)
	}
	us := uint64(time.Microsecond)
	s.CPUTotalNanos = cpu["usage_usec"] * us
	s.CPUUserNanos = cpu["user_usec"] * us
	s.CPUSystemNanos = cpu["system_usec"] * us
	s.ThrottledPeriods = cpu["nr_throttled"]
	s.ThrottledNanos = cpu["throttled_usec"] * us
	if s.MemoryUsage, err = readUint(filepath.Join(dir, "memory.current")); err != nil {
		return nil, fmt.Errorf("read cgroup v2 memory.current: %w", err)
	}
	if mem, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
		s.MemoryRSS = mem["anon"]
		s.MemoryCache = mem["file"]
	}
	s.MemorySwap, _ = readUint(filepath.Join(dir, "memory.swap.current"))
	s.MemoryMaxUsage, _ = readUint(filepath.Join(dir, "memory.peak"))
	s.Pids, _ = readUint(filepath.Join(dir, "pids.current"))
	return s, nil
}

func readStatsV1(dirs map[string]string) (*Stats, error) {
	s := &Stats{CgroupVersion: 1}
	if dir := dirs["cpuacct"]; dir != "" {
		var err error
		if s.CPUTotalNanos, err = readUint(filepath.Join(dir, "cpuacct.usage")); err != nil {
			return nil, fmt.Errorf("read cgroup v1 cpuacct.usage: %w", err)
		}
		if st, err := readKeyed(filepath.Join(dir, "cpuacct.stat")); err == nil {
			tick := uint64(time.Second / userHZ)
			s.CPUUserNanos = st["user"] * tick
			s.CPUSystemNanos = st["system"] * tick
		}
	}
	if dir := dirs["cpu"]; dir != "" {
		if st, err := readKeyed(filepath.Join(dir, "cpu.stat")); err == nil {
			s.ThrottledPeriods = st["nr_throttled"]
			s.ThrottledNanos = st["throttled_time"]
		}
	}
	dir := dirs["memory"]
	if dir == "" {
		return nil, fmt.Errorf("no v1 memory cgroup found for the container")
	}
	var err error
	if s.MemoryUsage, err = readUint(filepath.Join(dir, "memory.usage_in_bytes")); err != nil {
		return nil, fmt.Errorf("read cgroup v1 memory.usage_in_bytes: %w", err)
	}
	s.MemoryMaxUsage, _ = readUint(filepath.Join(dir, "memory.max_usage_in_bytes"))
	if mem, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
		s.MemoryRSS = mem["total_rss"]
		s.MemoryCache = mem["total_cache"]
		s.MemorySwap = mem["total_swap"]
	}
	if dir := dirs["pids"]; dir != "" {
		s.Pids, _ = readUint(filepath.Join(dir, "pids.current"))
	}
	return s, nil
}
