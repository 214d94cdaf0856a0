package structs

// Limits bounds what one job may ask for, so that no job that validates
// can exhaust a server's memory when it is scheduled, nor fail to decode
// later when it travels inside a Raft entry, a snapshot or an RPC reply.
// Job.Validate enforces DefaultLimits; servers enforce their configured
// set with Job.ValidateWith. Every field is documented in
// website/operations.md with its config name where it has one.
type Limits struct {
	// MaxGroupCount bounds one task group's Count. Server knob
	// server { job_max_group_count }.
	MaxGroupCount int
	// MaxPlacements bounds the sum of the Counts of a job's groups: the
	// allocations one evaluation of the job may ask for. Server knob
	// server { job_max_placements }.
	MaxPlacements int

	// MaxTaskGroups and MaxTasksPerGroup bound the shape of a job.
	MaxTaskGroups    int
	MaxTasksPerGroup int
	// MaxListEntries bounds every other list of a job (datacenters,
	// constraints, affinities, spreads, services and their checks,
	// networks and ports, artifacts, templates, volumes and mounts).
	MaxListEntries int
	// MaxMapEntries, MaxMapKeyBytes and MaxMapValueBytes bound every
	// string map of a job: Meta, Env, artifact options.
	MaxMapEntries    int
	MaxMapKeyBytes   int
	MaxMapValueBytes int

	// MaxConfigDepth bounds how deeply a task's driver Config nests: the
	// Config map itself is level 1, and every map or list inside it adds
	// one. It stays far below the msgpack decoder's limit
	// (MsgpackMaxDepth) even with the levels of the job, the allocation
	// and the RPC reply around it, so that an accepted Config always
	// decodes again. It cannot be configured.
	MaxConfigDepth int
	// MaxConfigValues bounds the number of values (scalars, maps and
	// lists) in one task's Config.
	MaxConfigValues int
}

// Fixed limits, also used by the HTTP layer (command/agent/limits.go).
const (
	// DefaultMaxGroupCount is the default of Limits.MaxGroupCount.
	DefaultMaxGroupCount = 100_000
	// DefaultMaxPlacements is the default of Limits.MaxPlacements; the
	// scheduling benchmarks ask for at most 10,000 in one job.
	DefaultMaxPlacements = 100_000

	// MaxConfigDepth is Limits.MaxConfigDepth. Real driver configs nest
	// a handful of levels (a mount block's options are four deep).
	MaxConfigDepth = 32

	// MaxJobStructDepth bounds how deeply the fixed structure of a job
	// body nests around its free-form values: a task's Config starts at
	// level 7 of {"Job":{"TaskGroups":[{"Tasks":[{"Config":{, and the
	// deepest fixed field (a task's service check's Args) ends at 11.
	// The HTTP layer accepts MaxJobStructDepth + MaxConfigDepth levels,
	// so that every Config Validate accepts gets through it.
	MaxJobStructDepth = 32

	// MsgpackMaxDepth is the go-msgpack decoder's default maximum depth
	// (codec decDefMaxDepth), which MsgpackHandle leaves unchanged.
	MsgpackMaxDepth = 1024
)

// DefaultLimits returns the limits Validate enforces and a server starts
// with.
func DefaultLimits() Limits {
	return Limits{
		MaxGroupCount:    DefaultMaxGroupCount,
		MaxPlacements:    DefaultMaxPlacements,
		MaxTaskGroups:    1_000,
		MaxTasksPerGroup: 100,
		MaxListEntries:   1_000,
		MaxMapEntries:    1_000,
		MaxMapKeyBytes:   256,
		MaxMapValueBytes: 64 << 10,
		MaxConfigDepth:   MaxConfigDepth,
		MaxConfigValues:  10_000,
	}
}

// orDefaults fills the zero fields of l from DefaultLimits, and caps the
// Config depth at MaxConfigDepth whatever was asked.
func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	fill := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&l.MaxGroupCount, d.MaxGroupCount)
	fill(&l.MaxPlacements, d.MaxPlacements)
	fill(&l.MaxTaskGroups, d.MaxTaskGroups)
	fill(&l.MaxTasksPerGroup, d.MaxTasksPerGroup)
	fill(&l.MaxListEntries, d.MaxListEntries)
	fill(&l.MaxMapEntries, d.MaxMapEntries)
	fill(&l.MaxMapKeyBytes, d.MaxMapKeyBytes)
	fill(&l.MaxMapValueBytes, d.MaxMapValueBytes)
	fill(&l.MaxConfigDepth, d.MaxConfigDepth)
	fill(&l.MaxConfigValues, d.MaxConfigValues)
	if l.MaxConfigDepth > MaxConfigDepth {
		l.MaxConfigDepth = MaxConfigDepth
	}
	return l
}
