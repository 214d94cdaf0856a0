package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobChanges collects, during one write transaction, how the allocations
// of each job changed, so that each job's summary is adjusted by the
// difference and its status re-derived once — instead of rescanning every
// allocation of the job on every write, which is quadratic for large jobs.
type jobChanges map[structs.NamespacedID]map[string]*structs.TaskGroupSummary

// alloc records that old became cur: either may be nil for an allocation
// created or deleted.
func (c jobChanges) alloc(old, cur *structs.Allocation) {
	if old != nil {
		countStatus(c.group(old), old.ClientStatus, -1)
	}
	if cur != nil {
		countStatus(c.group(cur), cur.ClientStatus, 1)
	}
}

// group returns the delta of a's job and task group.
func (c jobChanges) group(a *structs.Allocation) *structs.TaskGroupSummary {
	id := structs.NamespacedID{Namespace: a.Namespace, ID: a.JobID}
	groups := c[id]
	if groups == nil {
		groups = map[string]*structs.TaskGroupSummary{}
		c[id] = groups
	}
	d := groups[a.TaskGroup]
	if d == nil {
		d = &structs.TaskGroupSummary{}
		groups[a.TaskGroup] = d
	}
	return d
}

// apply re-derives the status and adjusts the summary of every job touched.
func (c jobChanges) apply(txn *memdb.Txn, index uint64) error {
	for id, groups := range c {
		if err := refreshJobStatusTxn(txn, index, id.Namespace, id.ID); err != nil {
			return err
		}
		if err := adjustSummaryTxn(txn, index, id, groups); err != nil {
			return err
		}
	}
	return nil
}

// countStatus adds n to the summary bucket of a client status.
func countStatus(s *structs.TaskGroupSummary, clientStatus string, n int) {
	switch clientStatus {
	case structs.AllocClientStatusPending:
		s.Starting += n
	case structs.AllocClientStatusRunning:
		s.Running += n
	case structs.AllocClientStatusComplete:
		s.Complete += n
	case structs.AllocClientStatusFailed:
		s.Failed += n
	case structs.AllocClientStatusLost:
		s.Lost += n
	case structs.AllocClientStatusUnknown:
		s.Unknown += n
	}
}

// adjustSummaryTxn adds the per-group deltas to a job's summary. A purged
// job has no summary and nothing is done.
func adjustSummaryTxn(txn *memdb.Txn, index uint64, id structs.NamespacedID, deltas map[string]*structs.TaskGroupSummary) error {
	raw, err := txn.First(tableJobSummary, "id", id.Namespace, id.ID)
	if err != nil {
		return fmt.Errorf("job summary lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	summary := raw.(*structs.JobSummary).Copy()
	changed := false
	for name, d := range deltas {
		if *d == (structs.TaskGroupSummary{}) {
			continue
		}
		tg := summary.Summary[name]
		tg.Starting += d.Starting
		tg.Running += d.Running
		tg.Complete += d.Complete
		tg.Failed += d.Failed
		tg.Lost += d.Lost
		tg.Unknown += d.Unknown
		summary.Summary[name] = tg
		changed = true
	}
	if !changed {
		return nil
	}
	return insertSummaryTxn(txn, index, summary)
}

// setQueuedTxn takes a job's queued counts from its newest evaluation.
func setQueuedTxn(txn *memdb.Txn, index uint64, id structs.NamespacedID, queued map[string]int) error {
	raw, err := txn.First(tableJobSummary, "id", id.Namespace, id.ID)
	if err != nil {
		return fmt.Errorf("job summary lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	summary := raw.(*structs.JobSummary).Copy()
	changed := false
	for name, tg := range summary.Summary {
		if n := queued[name]; tg.Queued != n {
			tg.Queued = n
			summary.Summary[name] = tg
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return insertSummaryTxn(txn, index, summary)
}

func insertSummaryTxn(txn *memdb.Txn, index uint64, summary *structs.JobSummary) error {
	summary.ModifyIndex = index
	if err := txn.Insert(tableJobSummary, summary); err != nil {
		return fmt.Errorf("insert job summary: %w", err)
	}
	return setIndex(txn, index, tableJobSummary)
}
