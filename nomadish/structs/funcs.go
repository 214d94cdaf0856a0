package structs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Resource dimensions, as named in AllocMetric.DimensionExhausted.
const (
	DimensionCPU     = "cpu"
	DimensionCores   = "cores"
	DimensionMemory  = "memory"
	DimensionDisk    = "disk"
	DimensionNetwork = "network: port collision"
)

// ComparableResources flattens what a node offers or allocations use into
// the dimensions the scheduler compares. It is a plain value: adding and
// subtracting never allocate.
type ComparableResources struct {
	CPU      int64 // MHz
	Cores    int64 // whole reserved cores
	MemoryMB int64
	DiskMB   int64
}

// Add adds o to c.
func (c *ComparableResources) Add(o ComparableResources) {
	c.CPU += o.CPU
	c.Cores += o.Cores
	c.MemoryMB += o.MemoryMB
	c.DiskMB += o.DiskMB
}

// Subtract subtracts o from c.
func (c *ComparableResources) Subtract(o ComparableResources) {
	c.CPU -= o.CPU
	c.Cores -= o.Cores
	c.MemoryMB -= o.MemoryMB
	c.DiskMB -= o.DiskMB
}

// Superset reports whether c holds at least o in every dimension. When it
// does not, it names the first dimension short, in the order cpu, cores,
// memory, disk.
func (c ComparableResources) Superset(o ComparableResources) (bool, string) {
	switch {
	case c.CPU < o.CPU:
		return false, DimensionCPU
	case c.Cores < o.Cores:
		return false, DimensionCores
	case c.MemoryMB < o.MemoryMB:
		return false, DimensionMemory
	case c.DiskMB < o.DiskMB:
		return false, DimensionDisk
	}
	return true, ""
}

// Comparable returns the allocation's resources in comparable form; nil
// gives zero.
func (a *AllocatedResources) Comparable() ComparableResources {
	var c ComparableResources
	if a == nil {
		return c
	}
	for _, t := range a.Tasks {
		if t == nil {
			continue
		}
		c.CPU += t.Cpu.CpuShares
		c.Cores += int64(len(t.Cpu.ReservedCores))
		c.MemoryMB += t.Memory.MemoryMB
	}
	c.DiskMB += a.Shared.DiskMB
	return c
}

// ComparableAvailable is what the node offers to the scheduler: its
// NodeResources minus its ReservedResources. A node without resources
// offers nothing.
func (n *Node) ComparableAvailable() ComparableResources {
	var c ComparableResources
	if n == nil || n.NodeResources == nil {
		return c
	}
	r := n.NodeResources
	c.CPU = r.Cpu.CpuShares
	c.Cores = int64(r.Cpu.TotalCpuCores)
	if len(r.Cpu.ReservableCpuCores) > 0 {
		c.Cores = int64(len(r.Cpu.ReservableCpuCores))
	}
	c.MemoryMB = r.Memory.MemoryMB
	c.DiskMB = r.Disk.DiskMB
	if rr := n.ReservedResources; rr != nil {
		c.CPU -= rr.Cpu.CpuShares
		c.Cores -= int64(len(rr.Cpu.ReservableCpuCores))
		c.MemoryMB -= rr.Memory.MemoryMB
		c.DiskMB -= rr.Disk.DiskMB
	}
	return c
}

// ParsePortRanges parses a port list such as "22,80,8000-8100" into a
// sorted, de-duplicated slice. Ports must be within 1..MaxValidPort.
func ParsePortRanges(spec string) ([]int, error) {
	seen := map[int]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi := part, part
		if i := strings.IndexByte(part, '-'); i >= 0 {
			lo, hi = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
		}
		start, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("port range %q: %q is not a number", part, lo)
		}
		end, err := strconv.Atoi(hi)
		if err != nil {
			return nil, fmt.Errorf("port range %q: %q is not a number", part, hi)
		}
		if start < 1 || end > MaxValidPort || start > end {
			return nil, fmt.Errorf("port range %q: want ports within 1-%d, low before high", part, MaxValidPort)
		}
		for p := start; p <= end; p++ {
			seen[p] = true
		}
	}
	out := make([]int, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Ints(out)
	return out, nil
}

// AllocName is the name of the idx'th allocation of a group:
// "job.group[idx]".
func AllocName(jobID, group string, idx uint) string {
	return jobID + "." + group + "[" + strconv.FormatUint(uint64(idx), 10) + "]"
}

// AllocIndex returns the index in an allocation name made by AllocName,
// and false when the name has no well-formed index.
func AllocIndex(name string) (uint, bool) {
	if len(name) < 3 || name[len(name)-1] != ']' {
		return 0, false
	}
	open := strings.LastIndexByte(name, '[')
	if open < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(name[open+1:len(name)-1], 10, 32)
	if err != nil {
		return 0, false
	}
	return uint(n), true
}
