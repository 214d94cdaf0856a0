package nomadish

import (
	"sync"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Replication of cluster-wide objects (node pools) from the
// authoritative region: the leader of every other region follows the
// authoritative region's pools with a blocking query by index and writes
// what differs, deletions included, into its own Raft log. It starts over
// from index 0 on each leadership, so that a new leader on either side
// resumes with a full comparison.

// Replication timings.
const (
	replicationWait       = time.Minute
	replicationMinBackoff = time.Second
	replicationMaxBackoff = 30 * time.Second
)

// replicator holds the replication status the leader reports.
type replicator struct {
	mu     sync.Mutex
	status structs.ReplicationStatus
}

func (r *replicator) update(f func(*structs.ReplicationStatus)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.status)
}

func (r *replicator) get() structs.ReplicationStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// startReplication runs the replication loop until stopCh closes, when
// this region is not the authoritative one.
func (s *Server) startReplication(stopCh chan struct{}) {
	auth := s.config.AuthoritativeRegion
	s.replication.update(func(st *structs.ReplicationStatus) {
		*st = structs.ReplicationStatus{AuthoritativeRegion: auth, Enabled: auth != "" && auth != s.Region()}
	})
	if auth == "" || auth == s.Region() {
		return
	}
	go s.replicateNodePools(auth, stopCh)
}

func (s *Server) replicateNodePools(auth string, stopCh chan struct{}) {
	var index uint64
	backoff := time.Duration(0)
	clock := s.clock()
	for {
		select {
		case <-stopCh:
			return
		default:
		}
		req := &structs.NodePoolListRequest{QueryOptions: structs.QueryOptions{Region: auth, AllowStale: true,
			MinQueryIndex: index, MaxQueryTime: replicationWait}}
		var resp structs.NodePoolListResponse
		err := s.forwardRegion(auth, "NodePool.List", req, &resp)
		select {
		case <-stopCh:
			return // no longer the leader: the next one starts over
		default:
		}
		if err == nil {
			err = s.applyReplicatedPools(resp.NodePools)
		}
		if err != nil {
			backoff = min(max(2*backoff, replicationMinBackoff), replicationMaxBackoff)
			now := clock.Now()
			s.replication.update(func(st *structs.ReplicationStatus) {
				st.LastError, st.LastErrorTime = err.Error(), now.UnixNano()
			})
			s.logger.Warn("node pool replication failed; trying again", "authoritative_region", auth, "error", err, "retry_in", backoff)
			wait, stop := clock.NewTimer(backoff)
			select {
			case <-wait:
			case <-stopCh:
				stop()
				return
			}
			continue
		}
		backoff = 0
		now := clock.Now()
		s.replication.update(func(st *structs.ReplicationStatus) {
			st.LastIndex, st.LastReplicatedTime, st.LastError = resp.Index, now.UnixNano(), ""
		})
		if resp.Index < index {
			index = 0 // the authoritative region restored an older state
		} else {
			index = resp.Index
		}
	}
}

// applyReplicatedPools makes the local pools those of the authoritative
// region: new and changed ones written with its indexes, missing ones
// removed.
func (s *Server) applyReplicatedPools(remote []*structs.NodePool) error {
	st := s.State()
	it, err := st.NodePools(nil)
	if err != nil {
		return err
	}
	local := map[string]*structs.NodePool{}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		p := raw.(*structs.NodePool)
		local[p.Name] = p
	}
	var upserts []*structs.NodePool
	seen := map[string]bool{}
	for _, p := range remote {
		if p == nil || structs.IsBuiltinNodePool(p.Name) {
			continue
		}
		seen[p.Name] = true
		if old := local[p.Name]; old == nil || !old.Equal(p) || old.ModifyIndex != p.ModifyIndex {
			upserts = append(upserts, p)
		}
	}
	var deletes []string
	for name := range local {
		if !seen[name] {
			deletes = append(deletes, name)
		}
	}
	if len(upserts) > 0 {
		if _, _, err := s.raftApply(structs.NodePoolUpsertRequestType, &structs.NodePoolUpsertRequest{NodePools: upserts, Replicated: true}); err != nil {
			return err
		}
	}
	if len(deletes) > 0 {
		if _, _, err := s.raftApply(structs.NodePoolDeleteRequestType, &structs.NodePoolDeleteRequest{Names: deletes, Replicated: true}); err != nil {
			return err
		}
	}
	if len(upserts)+len(deletes) > 0 {
		s.logger.Info("node pools replicated", "written", len(upserts), "removed", len(deletes))
	}
	return nil
}

// ReplicationStatus answers GET /v1/operator/replication: how this
// region's leader follows the authoritative region.
func (o *Operator) ReplicationStatus(args *structs.GenericRequest, reply *structs.ReplicationStatusResponse) error {
	if done, err := o.srv.forward("Operator.ReplicationStatus", args, args, reply); done {
		return err
	}
	reply.Status = o.srv.replication.get()
	reply.Region = o.srv.Region()
	return nil
}
