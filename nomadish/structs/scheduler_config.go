package structs

// Scheduler algorithms, as the operator scheduler configuration names them.
const (
	SchedulerAlgorithmBinpack = "binpack"
	SchedulerAlgorithmSpread  = "spread"
)

// SchedulerConfiguration is the cluster-wide scheduler configuration an
// operator sets (Nomad's /v1/operator/scheduler/configuration).
type SchedulerConfiguration struct {
	// SchedulerAlgorithm is "binpack" (the default) or "spread".
	SchedulerAlgorithm string
	PreemptionConfig   PreemptionConfig
	// MemoryOversubscriptionEnabled lets tasks set MemoryMaxMB.
	MemoryOversubscriptionEnabled bool
	CreateIndex                   uint64
	ModifyIndex                   uint64
}

// PreemptionConfig says which schedulers may evict lower-priority
// allocations to make room.
type PreemptionConfig struct {
	SystemSchedulerEnabled   bool
	SysBatchSchedulerEnabled bool
	BatchSchedulerEnabled    bool
	ServiceSchedulerEnabled  bool
}

// DefaultSchedulerConfiguration is what a cluster starts with: bin-packing,
// preemption for system jobs only.
func DefaultSchedulerConfiguration() *SchedulerConfiguration {
	return &SchedulerConfiguration{
		SchedulerAlgorithm: SchedulerAlgorithmBinpack,
		PreemptionConfig:   PreemptionConfig{SystemSchedulerEnabled: true},
	}
}

// EffectiveSchedulerAlgorithm returns the algorithm, defaulting to binpack
// for a nil or empty configuration.
func (c *SchedulerConfiguration) EffectiveSchedulerAlgorithm() string {
	if c == nil || c.SchedulerAlgorithm == "" {
		return SchedulerAlgorithmBinpack
	}
	return c.SchedulerAlgorithm
}

// PreemptionEnabled reports whether jobs of the given type may preempt.
func (c *SchedulerConfiguration) PreemptionEnabled(jobType string) bool {
	if c == nil {
		return jobType == JobTypeSystem
	}
	switch jobType {
	case JobTypeSystem:
		return c.PreemptionConfig.SystemSchedulerEnabled
	case JobTypeSysBatch:
		return c.PreemptionConfig.SysBatchSchedulerEnabled
	case JobTypeBatch:
		return c.PreemptionConfig.BatchSchedulerEnabled
	case JobTypeService:
		return c.PreemptionConfig.ServiceSchedulerEnabled
	}
	return false
}
