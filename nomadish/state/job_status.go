package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// jobStatusTxn derives a job's status from its allocations and
// evaluations: running while any allocation is live, pending while an
// evaluation is outstanding or nothing has happened yet, dead once
// everything is terminal. Periodic and parameterized jobs are templates and
// count as running until stopped.
func jobStatusTxn(txn *memdb.Txn, job *structs.Job) (string, error) {
	if job.IsPeriodic() || job.IsParameterized() {
		if job.Stop {
			return structs.JobStatusDead, nil
		}
		return structs.JobStatusRunning, nil
	}
	allocs, err := txn.Get(tableAllocs, "job", job.Namespace, job.ID)
	if err != nil {
		return "", fmt.Errorf("allocs of job lookup: %w", err)
	}
	hasAlloc := false
	for raw := allocs.Next(); raw != nil; raw = allocs.Next() {
		hasAlloc = true
		if !raw.(*structs.Allocation).TerminalStatus() {
			return structs.JobStatusRunning, nil
		}
	}
	evals, err := txn.Get(tableEvals, "job", job.Namespace, job.ID)
	if err != nil {
		return "", fmt.Errorf("evals of job lookup: %w", err)
	}
	hasEval := false
	for raw := evals.Next(); raw != nil; raw = evals.Next() {
		hasEval = true
		if !raw.(*structs.Evaluation).TerminalStatus() {
			return structs.JobStatusPending, nil
		}
	}
	if hasAlloc || hasEval || job.Stop {
		return structs.JobStatusDead, nil
	}
	return structs.JobStatusPending, nil
}

// refreshJobStatusTxn re-derives a job's status after its allocations or
// evaluations changed.
func refreshJobStatusTxn(txn *memdb.Txn, index uint64, namespace, jobID string) error {
	raw, err := txn.First(tableJobs, "id", namespace, jobID)
	if err != nil {
		return fmt.Errorf("job lookup: %w", err)
	}
	if raw == nil {
		return nil
	}
	job := raw.(*structs.Job)
	status, err := jobStatusTxn(txn, job)
	if err != nil {
		return err
	}
	if status == job.Status {
		return nil
	}
	updated := *job
	updated.Status = status
	updated.ModifyIndex = index
	if err := txn.Insert(tableJobs, &updated); err != nil {
		return fmt.Errorf("update job status: %w", err)
	}
	return setIndex(txn, index, tableJobs)
}

// recomputeJobTxn re-derives a job's status and rebuilds its summary from
// scratch, for the rare writes (garbage collection) that are not tracked
// incrementally.
func recomputeJobTxn(txn *memdb.Txn, index uint64, namespace, jobID string) error {
	if err := refreshJobStatusTxn(txn, index, namespace, jobID); err != nil {
		return err
	}
	raw, err := txn.First(tableJobs, "id", namespace, jobID)
	if err != nil || raw == nil {
		return err
	}
	if err := updateSummaryTxn(txn, index, raw.(*structs.Job)); err != nil {
		return err
	}
	return setIndex(txn, index, tableJobSummary)
}

// updateSummaryTxn recomputes a job's summary from its allocations and its
// newest evaluation's queued counts, writing it only when it changed.
func updateSummaryTxn(txn *memdb.Txn, index uint64, job *structs.Job) error {
	summary := &structs.JobSummary{
		JobID:     job.ID,
		Namespace: job.Namespace,
		Summary:   make(map[string]structs.TaskGroupSummary, len(job.TaskGroups)),
	}
	for _, tg := range job.TaskGroups {
		summary.Summary[tg.Name] = structs.TaskGroupSummary{}
	}
	allocs, err := txn.Get(tableAllocs, "job", job.Namespace, job.ID)
	if err != nil {
		return fmt.Errorf("allocs of job lookup: %w", err)
	}
	for raw := allocs.Next(); raw != nil; raw = allocs.Next() {
		a := raw.(*structs.Allocation)
		tg := summary.Summary[a.TaskGroup]
		switch a.ClientStatus {
		case structs.AllocClientStatusPending:
			tg.Starting++
		case structs.AllocClientStatusRunning:
			tg.Running++
		case structs.AllocClientStatusComplete:
			tg.Complete++
		case structs.AllocClientStatusFailed:
			tg.Failed++
		case structs.AllocClientStatusLost:
			tg.Lost++
		case structs.AllocClientStatusUnknown:
			tg.Unknown++
		}
		summary.Summary[a.TaskGroup] = tg
	}
	var newest *structs.Evaluation
	evals, err := txn.Get(tableEvals, "job", job.Namespace, job.ID)
	if err != nil {
		return fmt.Errorf("evals of job lookup: %w", err)
	}
	for raw := evals.Next(); raw != nil; raw = evals.Next() {
		e := raw.(*structs.Evaluation)
		if e.QueuedAllocations != nil && (newest == nil || e.ModifyIndex > newest.ModifyIndex) {
			newest = e
		}
	}
	if newest != nil {
		for name, n := range newest.QueuedAllocations {
			if tg, ok := summary.Summary[name]; ok {
				tg.Queued = n
				summary.Summary[name] = tg
			}
		}
	}

	raw, err := txn.First(tableJobSummary, "id", job.Namespace, job.ID)
	if err != nil {
		return fmt.Errorf("job summary lookup: %w", err)
	}
	if raw != nil {
		old := raw.(*structs.JobSummary)
		summary.CreateIndex = old.CreateIndex
		if summaryEqual(old, summary) {
			return nil
		}
	} else {
		summary.CreateIndex = index
	}
	summary.ModifyIndex = index
	if err := txn.Insert(tableJobSummary, summary); err != nil {
		return fmt.Errorf("insert job summary: %w", err)
	}
	return nil
}

func summaryEqual(a, b *structs.JobSummary) bool {
	if len(a.Summary) != len(b.Summary) {
		return false
	}
	for k, v := range a.Summary {
		if w, ok := b.Summary[k]; !ok || v != w {
			return false
		}
	}
	return true
}
