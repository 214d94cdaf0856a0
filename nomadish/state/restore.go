package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// StateRestore loads a snapshot into a store in one transaction. Objects
// are inserted exactly as they were persisted, indexes included.
type StateRestore struct {
	txn *memdb.Txn
}

// Restore starts a restore into s, which should be a new, empty store.
func (s *StateStore) Restore() (*StateRestore, error) {
	return &StateRestore{txn: s.db.Txn(true)}, nil
}

// Commit makes the restored state visible.
func (r *StateRestore) Commit() error {
	r.txn.Commit()
	return nil
}

// Abort discards the restore.
func (r *StateRestore) Abort() { r.txn.Abort() }

func (r *StateRestore) insert(table string, obj interface{}) error {
	if err := r.txn.Insert(table, obj); err != nil {
		return fmt.Errorf("restore %s: %w", table, err)
	}
	return nil
}

func (r *StateRestore) JobRestore(j *structs.Job) error        { return r.insert(tableJobs, j) }
func (r *StateRestore) JobVersionRestore(j *structs.Job) error { return r.insert(tableJobVersion, j) }
func (r *StateRestore) JobSummaryRestore(s *structs.JobSummary) error {
	return r.insert(tableJobSummary, s)
}
func (r *StateRestore) NodeRestore(n *structs.Node) error        { return r.insert(tableNodes, n) }
func (r *StateRestore) AllocRestore(a *structs.Allocation) error { return r.insert(tableAllocs, a) }
func (r *StateRestore) EvalRestore(e *structs.Evaluation) error  { return r.insert(tableEvals, e) }
func (r *StateRestore) DeploymentRestore(d *structs.Deployment) error {
	return r.insert(tableDeployments, d)
}
func (r *StateRestore) IndexRestore(i *IndexEntry) error { return r.insert(tableIndex, i) }
