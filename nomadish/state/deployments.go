package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// UpsertDeployment writes a deployment.
func (s *StateStore) UpsertDeployment(index uint64, d *structs.Deployment) error {
	return s.write(func(txn *memdb.Txn) error {
		raw, err := txn.First(tableDeployments, "id", d.ID)
		if err != nil {
			return fmt.Errorf("deployment lookup: %w", err)
		}
		if raw != nil {
			d.CreateIndex = raw.(*structs.Deployment).CreateIndex
		} else {
			d.CreateIndex = index
		}
		d.ModifyIndex = index
		if err := txn.Insert(tableDeployments, d); err != nil {
			return fmt.Errorf("insert deployment: %w", err)
		}
		return setIndex(txn, index, tableDeployments)
	})
}

// DeploymentByID returns a deployment or nil.
func (s *StateStore) DeploymentByID(ws memdb.WatchSet, id string) (*structs.Deployment, error) {
	raw, err := first(s.read(), ws, tableDeployments, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*structs.Deployment), nil
}

// Deployments iterates every deployment.
func (s *StateStore) Deployments(ws memdb.WatchSet) (memdb.ResultIterator, error) {
	return get(s.read(), ws, tableDeployments, "id")
}

// DeploymentsByJobID returns a job's deployments.
func (s *StateStore) DeploymentsByJobID(ws memdb.WatchSet, namespace, jobID string) ([]*structs.Deployment, error) {
	it, err := get(s.read(), ws, tableDeployments, "job", namespace, jobID)
	if err != nil {
		return nil, err
	}
	var out []*structs.Deployment
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*structs.Deployment))
	}
	return out, nil
}

// LatestDeploymentByJobID returns a job's newest deployment, or nil.
func (s *StateStore) LatestDeploymentByJobID(ws memdb.WatchSet, namespace, jobID string) (*structs.Deployment, error) {
	all, err := s.DeploymentsByJobID(ws, namespace, jobID)
	if err != nil {
		return nil, err
	}
	var latest *structs.Deployment
	for _, d := range all {
		if latest == nil || d.CreateIndex > latest.CreateIndex {
			latest = d
		}
	}
	return latest, nil
}
