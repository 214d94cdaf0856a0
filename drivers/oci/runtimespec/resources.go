package runtimespec

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultPidsLimit is the pids limit of a task that sets none: enough for
// any ordinary service, too few for a fork bomb to hurt the host.
const DefaultPidsLimit = 4096

// Bounds of cgroup v1 cpu.shares, which runtimes map onto cgroup v2's
// cpu.weight (1 to 10000).
const (
	minCPUShares = 2
	maxCPUShares = 262144
)

const mib = 1 << 20

// Resources returns the task's cgroup limits: memory.max (hard) from
// MemoryMaxMB or else MemoryMB, a soft limit (memory.low / soft_limit) of
// MemoryMB when the hard limit is higher, swap off (memory+swap equal to the
// hard limit), CPU shares from CPUShares, and a pids limit (PidsLimit or
// DefaultPidsLimit). The device cgroup allows only the standard nodes, or
// every device when privileged.
func Resources(in *Input, privileged bool) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{Devices: deviceRules(privileged)}
	if in.MemoryMB < 0 || in.MemoryMaxMB < 0 {
		return nil, fmt.Errorf("resources: memory %d MiB, memory_max %d MiB: values are 0 (no limit) or positive", in.MemoryMB, in.MemoryMaxMB)
	}
	if in.MemoryMaxMB > 0 && in.MemoryMaxMB < in.MemoryMB {
		return nil, fmt.Errorf("resources: memory_max %d MiB is below memory %d MiB; memory_max must be at least memory", in.MemoryMaxMB, in.MemoryMB)
	}
	const maxMemMB = 1 << 40 / mib * 64 // 64 TiB, to keep bytes in an int64
	hard := in.MemoryMaxMB
	if hard == 0 {
		hard = in.MemoryMB
	}
	if hard > maxMemMB {
		return nil, fmt.Errorf("resources: memory %d MiB is more than the %d MiB accepted", hard, int64(maxMemMB))
	}
	if hard > 0 {
		limit := hard * mib
		swap := limit
		r.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &swap}
		if in.MemoryMB > 0 && in.MemoryMB < hard {
			soft := in.MemoryMB * mib
			r.Memory.Reservation = &soft
		}
	}
	switch {
	case in.CPUShares < 0:
		return nil, fmt.Errorf("resources: cpu %d: 0 (runtime default) or a positive value is expected", in.CPUShares)
	case in.CPUShares > 0:
		shares := uint64(min(max(in.CPUShares, minCPUShares), maxCPUShares))
		r.CPU = &specs.LinuxCPU{Shares: &shares}
	}
	pids := in.PidsLimit
	switch {
	case pids < 0:
		return nil, fmt.Errorf("resources: pids_limit %d: 0 (the default, %d) or a positive value is expected", pids, DefaultPidsLimit)
	case pids == 0:
		pids = DefaultPidsLimit
	}
	r.Pids = &specs.LinuxPids{Limit: pids}
	return r, nil
}

// device is one standard device node of a container's /dev.
type device struct {
	path         string
	major, minor int64
	mode         uint32
}

var standardDevices = []device{
	{"/dev/null", 1, 3, 0o666},
	{"/dev/zero", 1, 5, 0o666},
	{"/dev/full", 1, 7, 0o666},
	{"/dev/random", 1, 8, 0o666},
	{"/dev/urandom", 1, 9, 0o666},
	{"/dev/tty", 5, 0, 0o666},
}

// devices returns the device nodes the runtime creates in /dev.
func devices() []specs.LinuxDevice {
	out := make([]specs.LinuxDevice, 0, len(standardDevices))
	for _, d := range standardDevices {
		mode := os.FileMode(d.mode)
		uid, gid := uint32(0), uint32(0)
		out = append(out, specs.LinuxDevice{Path: d.path, Type: "c", Major: d.major, Minor: d.minor,
			FileMode: &mode, UID: &uid, GID: &gid})
	}
	return out
}

// deviceRules returns the device cgroup: deny all, then allow the standard
// nodes, /dev/ptmx and the pseudo-terminals of /dev/pts.
func deviceRules(privileged bool) []specs.LinuxDeviceCgroup {
	if privileged {
		return []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	}
	i := func(n int64) *int64 { return &n }
	out := []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}
	for _, d := range standardDevices {
		out = append(out, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i(d.major), Minor: i(d.minor), Access: "rwm"})
	}
	out = append(out,
		specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i(5), Minor: i(2), Access: "rwm"},  // /dev/ptmx
		specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i(136), Minor: nil, Access: "rwm"}, // /dev/pts/*
	)
	return out
}
