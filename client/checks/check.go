package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Check is one check block of one service of an allocation, with what is
// needed to run it.
type Check struct {
	// ID is CheckQueryResult.ID: stable across client restarts.
	ID      string
	Group   string
	Task    string // the service's task; "" for a group service
	Service string
	// PortLabel is the check's port, else its service's.
	PortLabel string
	// ExecTask is the task a script check runs in: the check's task, else
	// the service's.
	ExecTask string
	Mode     string // structs.CheckModeHealthiness or structs.CheckModeReadiness
	Def      *structs.ServiceCheck
	// Restart is the check's check_restart, else its service's; nil for
	// none.
	Restart *structs.CheckRestart
}

// Name is the check's name.
func (c *Check) Name() string { return c.Def.Name }

// DefaultInterval and DefaultTimeout apply to a check that sets none (the
// server refuses those; a job written before validation could hold one).
const (
	DefaultInterval = 10 * time.Second
	DefaultTimeout  = 5 * time.Second
)

func (c *Check) interval() time.Duration {
	if c.Def.Interval > 0 {
		return c.Def.Interval
	}
	return DefaultInterval
}

func (c *Check) timeout() time.Duration {
	if c.Def.Timeout > 0 {
		return c.Def.Timeout
	}
	return DefaultTimeout
}

// CheckID is the stable ID of a check: a hash of the allocation, group,
// task, service and check name, as Nomad forms it.
func CheckID(allocID, group, task, service, check string) string {
	h := sha256.New()
	for _, s := range []string{allocID, group, task, service, check} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// checkMode is the mode on_update gives: "ignore" makes a readiness check,
// which is reported but does not decide health.
func checkMode(svc *structs.Service, c *structs.ServiceCheck) string {
	on := c.OnUpdate
	if on == "" {
		on = svc.OnUpdate
	}
	if on == "ignore" {
		return structs.CheckModeReadiness
	}
	return structs.CheckModeHealthiness
}

// AllocChecks lists the checks of the allocation's group: the group's
// services first, then each task's, in the job's order. Services of
// another provider than nomad (consul) are left to that provider.
func AllocChecks(alloc *structs.Allocation) []*Check {
	if alloc == nil || alloc.Job == nil {
		return nil
	}
	tg := alloc.Job.LookupTaskGroup(alloc.TaskGroup)
	if tg == nil {
		return nil
	}
	var out []*Check
	add := func(task string, services []*structs.Service) {
		for _, svc := range services {
			if svc == nil || svc.Provider == "consul" {
				continue
			}
			for _, c := range svc.Checks {
				if c == nil {
					continue
				}
				ck := &Check{
					ID:        CheckID(alloc.ID, tg.Name, task, svc.Name, c.Name),
					Group:     tg.Name,
					Task:      task,
					Service:   svc.Name,
					PortLabel: c.PortLabel,
					ExecTask:  c.TaskName,
					Mode:      checkMode(svc, c),
					Def:       c,
					Restart:   c.CheckRestart,
				}
				if ck.PortLabel == "" {
					ck.PortLabel = svc.PortLabel
				}
				if ck.ExecTask == "" {
					ck.ExecTask = svc.TaskName
				}
				if ck.ExecTask == "" {
					ck.ExecTask = task
				}
				if ck.Restart == nil {
					ck.Restart = svc.CheckRestart
				}
				out = append(out, ck)
			}
		}
	}
	add("", tg.Services)
	for _, t := range tg.Tasks {
		if t != nil {
			add(t.Name, t.Services)
		}
	}
	return out
}
