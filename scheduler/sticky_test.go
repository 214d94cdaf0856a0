package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// stickyVolumeJob is mockJob with count 3, every allocation destroyed
// and replaced at once on an update, and a sticky host volume.
func stickyVolumeJob(sticky bool) *structs.Job {
	j := mockJob("sticky")
	j.TaskGroups[0].Count = 3
	j.TaskGroups[0].Update = &structs.UpdateStrategy{}
	j.TaskGroups[0].Volumes = map[string]*structs.VolumeRequest{"data": {Name: "data", Type: structs.VolumeTypeHost, Source: "data", Sticky: sticky}}
	j.Canonicalize()
	return j
}

func withDataVolume(n *structs.Node) {
	n.HostVolumes = map[string]*structs.ClientHostVolumeConfig{"data": {Name: "data", Path: "/srv/data"}}
}

// changedTask is the job with a task change that replaces allocations.
func changedTask(j *structs.Job) *structs.Job {
	c := j.Copy()
	c.TaskGroups[0].Tasks[0].Env = map[string]string{"FOO": "baz"}
	return c
}

func TestService_StickyVolumeReplacementStaysOnItsNode(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 8, withDataVolume)
	job := h.upsertJob(stickyVolumeJob(true))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	before := map[string]string{} // name -> node
	for _, a := range h.liveAllocs(job) {
		before[a.Name] = a.NodeID
	}

	job = h.upsertJob(changedTask(job))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	if countPlaced(plan) != 3 || countStopped(plan) != 3 {
		t.Fatalf("update placed %d stopped %d, want 3 and 3", countPlaced(plan), countStopped(plan))
	}
	for node, list := range plan.NodeAllocation {
		for _, a := range list {
			if before[a.Name] != node {
				t.Errorf("replacement %s on %s, its previous allocation was on %s", a.Name, node, before[a.Name])
			}
		}
	}
}

func TestService_StickyVolumeFallsBackWhenItsNodeIsInfeasible(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 4, withDataVolume)
	job := h.upsertJob(stickyVolumeJob(true))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	live := h.liveAllocs(job)
	gone := live[0]
	// The volume is no longer offered on the node of the first one.
	h.updateNode(gone.NodeID, func(n *structs.Node) { n.HostVolumes = nil })

	job = h.upsertJob(changedTask(job))
	h.process(newEval(job, structs.EvalTriggerJobRegister))
	plan := h.lastPlan()
	if countPlaced(plan) != 3 {
		t.Fatalf("placed %d, want 3", countPlaced(plan))
	}
	for node, list := range plan.NodeAllocation {
		for _, a := range list {
			if a.Name == gone.Name && node == gone.NodeID {
				t.Fatalf("replacement of %s put back on the node that lost its volume", a.Name)
			}
		}
	}
}

func TestWantsPreviousNode(t *testing.T) {
	if wantsPreviousNode(&structs.TaskGroup{}) {
		t.Fatal("a group with nothing sticky wants its previous node")
	}
	if !wantsPreviousNode(&structs.TaskGroup{EphemeralDisk: &structs.EphemeralDisk{Sticky: true}}) {
		t.Fatal("sticky ephemeral disk ignored")
	}
	if !wantsPreviousNode(&structs.TaskGroup{Volumes: map[string]*structs.VolumeRequest{"d": {Type: structs.VolumeTypeCSI, Sticky: true}}}) {
		t.Fatal("sticky CSI volume ignored")
	}
}
