package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// allocRestartRequest is the body of PUT /v1/client/allocation/:id/restart.
// No TaskName (or AllTasks) restarts every running task.
type allocRestartRequest struct {
	TaskName string
	AllTasks bool
}

// allocSignalRequest is the body of PUT /v1/client/allocation/:id/signal.
// No Task signals every running task.
type allocSignalRequest struct {
	Signal string
	Task   string
}

// rewindBody puts the decoded request back as the body, for a request
// that may still be proxied to another node.
func rewindBody(r *http.Request, req interface{}) {
	buf, err := json.Marshal(req)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.ContentLength = int64(len(buf))
}

func (s *HTTPServer) clientAllocRestart(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var req allocRestartRequest
	if err := decodeOptionalBody(r, &req); err != nil {
		return nil, err
	}
	if req.AllTasks && req.TaskName != "" {
		return nil, badRequest("TaskName %q and AllTasks are exclusive: name one task, or ask for all", req.TaskName)
	}
	rewindBody(r, &req)
	check := func(r *http.Request, a *structs.Allocation) error { return checkTask(a, req.TaskName, true) }
	return s.onAlloc(check, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		if err := la.RestartTask(req.TaskName); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	})(w, r)
}

func (s *HTTPServer) clientAllocSignal(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var req allocSignalRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.Signal == "" {
		return nil, badRequest("missing Signal: want a signal name such as SIGHUP or SIGUSR1")
	}
	sig, ok := canonicalSignal(req.Signal)
	if !ok {
		return nil, badRequest("unknown signal %.64q: want one of %s (the SIG prefix and case are optional)",
			req.Signal, strings.Join(signalNames, ", "))
	}
	req.Signal = sig
	rewindBody(r, &req)
	check := func(r *http.Request, a *structs.Allocation) error { return checkTask(a, req.Task, true) }
	return s.onAlloc(check, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		if err := la.SignalTask(req.Task, req.Signal); err != nil {
			if errors.Is(err, plugin.ErrNotSupported) {
				// The driver cannot deliver this signal: the
				// caller's to change.
				return nil, badRequest("%v", err)
			}
			return nil, err
		}
		return struct{}{}, nil
	})(w, r)
}

// AllocResourceUsage answers /v1/client/allocation/:id/stats in Nomad's
// shape: the allocation's total and each task's latest sample.
type AllocResourceUsage struct {
	ResourceUsage *ResourceUsage
	Tasks         map[string]*TaskResourceUsage
	Timestamp     int64
}

// TaskResourceUsage is one task's latest sample; Timestamp is Unix
// nanoseconds.
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

// MemoryStats are bytes; Measured lists the fields the driver measures.
type MemoryStats struct {
	RSS      uint64
	Cache    uint64
	Swap     uint64
	Usage    uint64
	MaxUsage uint64
	Measured []string
}

// CpuStats are ticks and the percentage of one core used.
type CpuStats struct {
	SystemMode float64
	UserMode   float64
	TotalTicks float64
	Percent    float64
	Measured   []string
}

var (
	measuredMemory = []string{"RSS", "Usage", "Max Usage"}
	measuredCPU    = []string{"System Mode", "User Mode", "Percent"}
)

func toResourceUsage(u *plugin.TaskResourceUsage) *ResourceUsage {
	return &ResourceUsage{
		MemoryStats: &MemoryStats{RSS: u.MemoryRSSBytes, Usage: u.MemoryUsageBytes, MaxUsage: u.MemoryMaxUsageBytes, Measured: measuredMemory},
		CpuStats: &CpuStats{SystemMode: u.CPUSystemTicks, UserMode: u.CPUUserTicks, TotalTicks: u.CPUSystemTicks + u.CPUUserTicks,
			Percent: u.CPUPercent, Measured: measuredCPU},
	}
}

// allocUsage sums the tasks' samples into the allocation's.
func allocUsage(samples map[string]*plugin.TaskResourceUsage, now time.Time) *AllocResourceUsage {
	out := &AllocResourceUsage{
		ResourceUsage: &ResourceUsage{MemoryStats: &MemoryStats{Measured: measuredMemory}, CpuStats: &CpuStats{Measured: measuredCPU}},
		Tasks:         map[string]*TaskResourceUsage{},
		Timestamp:     now.UnixNano(),
	}
	names := make([]string, 0, len(samples))
	for name := range samples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		u := samples[name]
		if u == nil {
			continue
		}
		ru := toResourceUsage(u)
		out.Tasks[name] = &TaskResourceUsage{ResourceUsage: ru, Timestamp: u.Timestamp.UnixNano()}
		m, c := out.ResourceUsage.MemoryStats, out.ResourceUsage.CpuStats
		m.RSS += ru.MemoryStats.RSS
		m.Usage += ru.MemoryStats.Usage
		m.MaxUsage += ru.MemoryStats.MaxUsage
		c.SystemMode += ru.CpuStats.SystemMode
		c.UserMode += ru.CpuStats.UserMode
		c.TotalTicks += ru.CpuStats.TotalTicks
		c.Percent += ru.CpuStats.Percent
	}
	return out
}

func (s *HTTPServer) clientAllocStats(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	return s.onAlloc(nil, func(w http.ResponseWriter, r *http.Request, la localAlloc) (interface{}, error) {
		return allocUsage(la.Stats(), time.Now()), nil
	})(w, r)
}
