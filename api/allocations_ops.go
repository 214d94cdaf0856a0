package api

import (
	"net/url"
)

// AllocStopResponse answers a stop: the evaluation that replaces the
// allocation.
type AllocStopResponse struct {
	EvalID string
	WriteMeta
}

// AllocResourceUsage is an allocation's latest resource use, in total and
// per task; Timestamp is Unix nanoseconds.
type AllocResourceUsage struct {
	ResourceUsage *ResourceUsage
	Tasks         map[string]*TaskResourceUsage
	Timestamp     int64
}

// TaskResourceUsage is one task's latest sample.
type TaskResourceUsage struct {
	ResourceUsage *ResourceUsage
	Timestamp     int64
	Pids          map[string]*ResourceUsage
}

// ResourceUsage is memory and CPU use.
type ResourceUsage struct {
	MemoryStats *MemoryStats
	CpuStats    *CpuStats
}

// MemoryStats are in bytes; Measured names the fields the driver fills.
type MemoryStats struct {
	RSS      uint64
	Cache    uint64
	Swap     uint64
	Usage    uint64
	MaxUsage uint64
	Measured []string
}

// CpuStats are ticks, and Percent of one core.
type CpuStats struct {
	SystemMode float64
	UserMode   float64
	TotalTicks float64
	Percent    float64
	Measured   []string
}

// Stop stops the allocation and has the scheduler place a replacement.
func (a *Allocations) Stop(alloc *Allocation, q *QueryOptions) (*AllocStopResponse, error) {
	return a.StopWithOptions(alloc, false, q)
}

// StopWithOptions is Stop that may ask the client to skip the shutdown
// delay.
func (a *Allocations) StopWithOptions(alloc *Allocation, noShutdownDelay bool, q *QueryOptions) (*AllocStopResponse, error) {
	path := "/v1/allocation/" + url.PathEscape(alloc.ID) + "/stop"
	if noShutdownDelay {
		path += "?no_shutdown_delay=true"
	}
	var resp AllocStopResponse
	wm, err := a.client.put(path, nil, &resp, writeOpts(q))
	if err != nil {
		return nil, err
	}
	resp.WriteMeta = *wm
	return &resp, nil
}

// Restart restarts one task of the allocation in place, or every running
// task when taskName is "". Restarts asked for this way do not count
// against the restart policy.
func (a *Allocations) Restart(alloc *Allocation, taskName string, q *QueryOptions) error {
	body := map[string]any{"TaskName": taskName}
	_, err := a.client.put("/v1/client/allocation/"+url.PathEscape(alloc.ID)+"/restart", body, nil, writeOpts(q))
	return err
}

// Signal sends signal (e.g. "SIGHUP") to one task of the allocation, or
// to every running task when task is "".
func (a *Allocations) Signal(alloc *Allocation, q *QueryOptions, task, signal string) error {
	body := map[string]any{"Task": task, "Signal": signal}
	_, err := a.client.put("/v1/client/allocation/"+url.PathEscape(alloc.ID)+"/signal", body, nil, writeOpts(q))
	return err
}

// Stats reads the allocation's latest resource use from its client.
func (a *Allocations) Stats(alloc *Allocation, q *QueryOptions) (*AllocResourceUsage, error) {
	var resp AllocResourceUsage
	if _, err := a.client.query("/v1/client/allocation/"+url.PathEscape(alloc.ID)+"/stats", &resp, q); err != nil {
		return nil, err
	}
	return &resp, nil
}

func writeOpts(q *QueryOptions) *WriteOptions {
	if q == nil {
		return nil
	}
	return &WriteOptions{Region: q.Region, Namespace: q.Namespace}
}
