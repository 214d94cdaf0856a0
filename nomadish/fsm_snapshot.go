package nomadish

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	metrics "github.com/hashicorp/go-metrics"
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// SnapshotType tags each object in a snapshot. Values are stored in
// snapshots forever: append, never renumber.
type SnapshotType uint8

const (
	JobSnapshot SnapshotType = iota
	JobVersionSnapshot
	JobSummarySnapshot
	NodeSnapshot
	AllocSnapshot
	EvalSnapshot
	DeploymentSnapshot
	IndexSnapshot
	ServiceRegistrationSnapshot
	NodePoolSnapshot
)

// snapshotVersion is written in the header; Restore refuses newer ones.
const snapshotVersion = 1

// snapshotHeader opens every snapshot.
type snapshotHeader struct {
	Version   int
	LastIndex uint64
}

// fsmSnapshot is a point-in-time view of the state to persist.
type fsmSnapshot struct {
	snap *state.StateSnapshot
}

// Snapshot implements raft.FSM.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	snap, err := f.State().Snapshot()
	if err != nil {
		return nil, fmt.Errorf("fsm snapshot: %w", err)
	}
	return &fsmSnapshot{snap: snap}, nil
}

// Persist writes the header and then, table by table, every object as a
// SnapshotType followed by the object, both in msgpack. (A type below 128
// is a msgpack positive fixint, so on disk it is exactly one byte.)
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	defer metrics.MeasureSince([]string{"nomad", "fsm", "persist"}, time.Now())
	w := bufio.NewWriter(sink)
	enc := codec.NewEncoder(w, structs.MsgpackHandle)
	if err := s.persist(enc); err != nil {
		sink.Cancel()
		return err
	}
	if err := w.Flush(); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *fsmSnapshot) persist(enc *codec.Encoder) error {
	latest, err := s.snap.LatestIndex()
	if err != nil {
		return err
	}
	if err := enc.Encode(&snapshotHeader{Version: snapshotVersion, LastIndex: latest}); err != nil {
		return fmt.Errorf("persist snapshot header: %w", err)
	}
	tables := []struct {
		typ  SnapshotType
		iter func(memdb.WatchSet) (memdb.ResultIterator, error)
	}{
		{JobSnapshot, s.snap.Jobs},
		{JobVersionSnapshot, s.snap.JobVersions},
		{JobSummarySnapshot, s.snap.JobSummaries},
		{NodeSnapshot, s.snap.Nodes},
		{AllocSnapshot, s.snap.Allocs},
		{EvalSnapshot, s.snap.Evals},
		{DeploymentSnapshot, s.snap.Deployments},
		{ServiceRegistrationSnapshot, s.snap.ServiceRegistrations},
		{NodePoolSnapshot, s.snap.NodePools},
		{IndexSnapshot, func(memdb.WatchSet) (memdb.ResultIterator, error) { return s.snap.Indexes() }},
	}
	for _, t := range tables {
		it, err := t.iter(nil)
		if err != nil {
			return fmt.Errorf("persist snapshot type %d: %w", t.typ, err)
		}
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if err := enc.Encode(uint8(t.typ)); err != nil {
				return fmt.Errorf("persist snapshot type %d: %w", t.typ, err)
			}
			if err := enc.Encode(raw); err != nil {
				return fmt.Errorf("persist snapshot type %d: %w", t.typ, err)
			}
		}
	}
	return nil
}

// Release implements raft.FSMSnapshot.
func (s *fsmSnapshot) Release() {}

// Restore implements raft.FSM: it builds a fresh store from the snapshot,
// swaps it in, and abandons the old one so blocking queries on it retry.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	defer metrics.MeasureSince([]string{"nomad", "fsm", "restore"}, time.Now())

	fresh, err := state.NewStateStore(f.logger)
	if err != nil {
		return err
	}
	restore, err := fresh.Restore()
	if err != nil {
		return err
	}
	if err := restoreInto(restore, rc); err != nil {
		restore.Abort()
		return fmt.Errorf("fsm restore: %w", err)
	}
	if err := restore.Commit(); err != nil {
		return fmt.Errorf("fsm restore: %w", err)
	}
	old := f.state.Swap(fresh)
	if old != nil {
		old.Abandon()
	}
	return nil
}

func restoreInto(r *state.StateRestore, rd io.Reader) error {
	dec := codec.NewDecoder(bufio.NewReader(rd), structs.MsgpackHandle)
	var header snapshotHeader
	if err := dec.Decode(&header); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	if header.Version > snapshotVersion {
		return fmt.Errorf("snapshot version %d is newer than this server understands (%d)", header.Version, snapshotVersion)
	}
	for {
		var typ uint8
		if err := dec.Decode(&typ); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read object type: %w", err)
		}
		var err error
		switch SnapshotType(typ) {
		case JobSnapshot:
			job := new(structs.Job)
			if err = dec.Decode(job); err == nil {
				err = r.JobRestore(job)
			}
		case JobVersionSnapshot:
			job := new(structs.Job)
			if err = dec.Decode(job); err == nil {
				err = r.JobVersionRestore(job)
			}
		case JobSummarySnapshot:
			sum := new(structs.JobSummary)
			if err = dec.Decode(sum); err == nil {
				err = r.JobSummaryRestore(sum)
			}
		case NodeSnapshot:
			node := new(structs.Node)
			if err = dec.Decode(node); err == nil {
				err = r.NodeRestore(node)
			}
		case AllocSnapshot:
			alloc := new(structs.Allocation)
			if err = dec.Decode(alloc); err == nil {
				err = r.AllocRestore(alloc)
			}
		case EvalSnapshot:
			eval := new(structs.Evaluation)
			if err = dec.Decode(eval); err == nil {
				err = r.EvalRestore(eval)
			}
		case DeploymentSnapshot:
			d := new(structs.Deployment)
			if err = dec.Decode(d); err == nil {
				err = r.DeploymentRestore(d)
			}
		case ServiceRegistrationSnapshot:
			reg := new(structs.ServiceRegistration)
			if err = dec.Decode(reg); err == nil {
				err = r.ServiceRegistrationRestore(reg)
			}
		case NodePoolSnapshot:
			p := new(structs.NodePool)
			if err = dec.Decode(p); err == nil {
				err = r.NodePoolRestore(p)
			}
		case IndexSnapshot:
			idx := new(state.IndexEntry)
			if err = dec.Decode(idx); err == nil {
				err = r.IndexRestore(idx)
			}
		default:
			return fmt.Errorf("unknown snapshot object type %d", typ)
		}
		if err != nil {
			return fmt.Errorf("restore snapshot type %d: %w", typ, err)
		}
	}
}
