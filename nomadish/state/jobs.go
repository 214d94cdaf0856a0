package state

import (
	"fmt"
	"reflect"
	"slices"
	"sort"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// JobTrackedVersions is how many versions of a job are kept.
const JobTrackedVersions = 6

// UpsertJob registers a job or updates it. A change to the job's
// specification makes a new version; resubmitting an identical job keeps
// the version and JobModifyIndex.
func (s *StateStore) UpsertJob(index uint64, job *structs.Job) error {
	return s.write(func(txn *memdb.Txn) error {
		return upsertJobTxn(txn, index, job)
	})
}

func upsertJobTxn(txn *memdb.Txn, index uint64, job *structs.Job) error {
	raw, err := txn.First(tableJobs, "id", job.Namespace, job.ID)
	if err != nil {
		return fmt.Errorf("job lookup: %w", err)
	}
	if raw != nil {
		existing := raw.(*structs.Job)
		job.CreateIndex = existing.CreateIndex
		job.ModifyIndex = index
		if specChanged(existing, job) {
			job.Version = existing.Version + 1
			job.JobModifyIndex = index
			job.Stable = false
		} else {
			job.Version = existing.Version
			job.JobModifyIndex = existing.JobModifyIndex
			job.Stable = existing.Stable
			job.SubmitTime = existing.SubmitTime
		}
	} else {
		job.CreateIndex = index
		job.ModifyIndex = index
		job.JobModifyIndex = index
		job.Version = 0
	}

	status, err := jobStatusTxn(txn, job)
	if err != nil {
		return err
	}
	job.Status = status

	if err := txn.Insert(tableJobs, job); err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	if err := upsertJobVersionTxn(txn, job); err != nil {
		return err
	}
	if err := updateSummaryTxn(txn, index, job); err != nil {
		return err
	}
	return setIndex(txn, index, tableJobs, tableJobVersion, tableJobSummary)
}

// specChanged reports whether b differs from a in anything the user
// specifies, ignoring indexes, status and version bookkeeping.
func specChanged(a, b *structs.Job) bool {
	ac, bc := a.Copy(), b.Copy()
	for _, j := range []*structs.Job{ac, bc} {
		j.Status, j.StatusDescription = "", ""
		j.Stable = false
		j.Version = 0
		j.SubmitTime = 0
		j.CreateIndex, j.ModifyIndex, j.JobModifyIndex = 0, 0, 0
	}
	return !reflect.DeepEqual(ac, bc)
}

func upsertJobVersionTxn(txn *memdb.Txn, job *structs.Job) error {
	if err := txn.Insert(tableJobVersion, job); err != nil {
		return fmt.Errorf("insert job version: %w", err)
	}
	it, err := txn.Get(tableJobVersion, "id_prefix", job.Namespace, job.ID)
	if err != nil {
		return fmt.Errorf("job versions lookup: %w", err)
	}
	var versions []*structs.Job
	for raw := it.Next(); raw != nil; raw = it.Next() {
		v := raw.(*structs.Job)
		// The prefix also matches longer IDs ("web" and "web2").
		if v.ID == job.ID {
			versions = append(versions, v)
		}
	}
	if len(versions) <= JobTrackedVersions {
		return nil
	}
	sortVersionsAscending(versions)
	for _, old := range versions[:len(versions)-JobTrackedVersions] {
		if err := txn.Delete(tableJobVersion, old); err != nil {
			return fmt.Errorf("delete old job version: %w", err)
		}
	}
	return nil
}

// DeleteJob purges a job with its versions and summary. Its allocations
// and evaluations stay until garbage collection.
func (s *StateStore) DeleteJob(index uint64, namespace, jobID string) error {
	return s.write(func(txn *memdb.Txn) error {
		raw, err := txn.First(tableJobs, "id", namespace, jobID)
		if err != nil {
			return fmt.Errorf("job lookup: %w", err)
		}
		if raw == nil {
			return fmt.Errorf("job %q in namespace %q: %w", jobID, namespace, structs.ErrNotFound)
		}
		if err := txn.Delete(tableJobs, raw); err != nil {
			return fmt.Errorf("delete job: %w", err)
		}
		versions, err := txn.Get(tableJobVersion, "id_prefix", namespace, jobID)
		if err != nil {
			return fmt.Errorf("job versions lookup: %w", err)
		}
		var del []interface{}
		for v := versions.Next(); v != nil; v = versions.Next() {
			if v.(*structs.Job).ID == jobID {
				del = append(del, v)
			}
		}
		for _, v := range del {
			if err := txn.Delete(tableJobVersion, v); err != nil {
				return fmt.Errorf("delete job version: %w", err)
			}
		}
		if _, err := txn.DeleteAll(tableJobSummary, "id", namespace, jobID); err != nil {
			return fmt.Errorf("delete job summary: %w", err)
		}
		return setIndex(txn, index, tableJobs, tableJobVersion, tableJobSummary)
	})
}

// JobByID returns a job or nil.
func (s *StateStore) JobByID(ws memdb.WatchSet, namespace, id string) (*structs.Job, error) {
	raw, err := first(s.read(), ws, tableJobs, "id", namespace, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Job), nil
}

// Jobs iterates every job in every namespace.
func (s *StateStore) Jobs(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableJobs, "id")
}

// JobsByNamespace iterates the jobs of one namespace.
func (s *StateStore) JobsByNamespace(ws memdb.WatchSet, namespace string) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableJobs, "id_prefix", namespace, "")
}

// JobsByIDPrefix iterates the jobs of a namespace whose ID starts with prefix.
func (s *StateStore) JobsByIDPrefix(ws memdb.WatchSet, namespace, prefix string) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableJobs, "id_prefix", namespace, prefix)
}

// JobVersions iterates every stored version of every job.
func (s *StateStore) JobVersions(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableJobVersion, "id")
}

// JobVersionsByID returns a job's stored versions, newest first.
func (s *StateStore) JobVersionsByID(ws memdb.WatchSet, namespace, id string) ([]*structs.Job, error) {
	it, err := get(s.read(), ws, tableJobVersion, "id_prefix", namespace, id)
	if err != nil {
		return nil, err
	}
	var out []*structs.Job
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if j := raw.(*structs.Job); j.ID == id {
			out = append(out, j)
		}
	}
	sortVersionsAscending(out)
	slices.Reverse(out)
	return out, nil
}

// JobByIDAndVersion returns one version of a job, or nil.
func (s *StateStore) JobByIDAndVersion(ws memdb.WatchSet, namespace, id string, version uint64) (*structs.Job, error) {
	raw, err := first(s.read(), ws, tableJobVersion, "id", namespace, id, version)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Job), nil
}

// JobSummaries iterates every job summary.
func (s *StateStore) JobSummaries(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableJobSummary, "id")
}

// JobSummaryByID returns a job's summary or nil.
func (s *StateStore) JobSummaryByID(ws memdb.WatchSet, namespace, id string) (*structs.JobSummary, error) {
	raw, err := first(s.read(), ws, tableJobSummary, "id", namespace, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.JobSummary), nil
}

// sortVersionsAscending orders versions oldest first. The version index's
// varint encoding does not sort numerically, so order is imposed here.
func sortVersionsAscending(versions []*structs.Job) {
	sort.Slice(versions, func(i, j int) bool { return versions[i].Version < versions[j].Version })
}
