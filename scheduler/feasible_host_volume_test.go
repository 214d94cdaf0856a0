package scheduler

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestHostVolumeChecker(t *testing.T) {
	node := &structs.Node{HostVolumes: map[string]*structs.ClientHostVolumeConfig{
		"data":  {Name: "data", Path: "/srv/data"},
		"certs": {Name: "certs", Path: "/etc/certs", ReadOnly: true},
	}}
	cases := []struct {
		name    string
		volumes map[string]*structs.VolumeRequest
		ok      bool
	}{
		{"none asked", nil, true},
		{"csi only is not checked here", map[string]*structs.VolumeRequest{"db": {Type: structs.VolumeTypeCSI, Source: "db"}}, true},
		{"present read-write", map[string]*structs.VolumeRequest{"d": {Type: structs.VolumeTypeHost, Source: "data"}}, true},
		{"read-only asked of read-only", map[string]*structs.VolumeRequest{"c": {Type: structs.VolumeTypeHost, Source: "certs", ReadOnly: true}}, true},
		{"read-write asked of read-only", map[string]*structs.VolumeRequest{"c": {Type: structs.VolumeTypeHost, Source: "certs"}}, false},
		{"missing", map[string]*structs.VolumeRequest{"d": {Type: structs.VolumeTypeHost, Source: "data"}, "l": {Type: structs.VolumeTypeHost, Source: "logs"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chk := newHostVolumeChecker(&structs.TaskGroup{Volumes: c.volumes})
			if chk == nil {
				if !c.ok {
					t.Fatal("no checker for a group asking for host volumes")
				}
				return
			}
			ok, reason := chk.feasible(node)
			if ok != c.ok || (!ok && reason != reasonHostVolumes) {
				t.Fatalf("feasible = %v %q, want %v", ok, reason, c.ok)
			}
		})
	}
}

// Only nodes offering the group's host volumes, writable where asked,
// get its allocations; the others are counted in the filter metrics.
func TestService_HostVolumesFilterNodes(t *testing.T) {
	h := newHarness(t)
	h.addNodes(0, 4, nil)
	h.addNodes(4, 2, func(n *structs.Node) {
		n.HostVolumes = map[string]*structs.ClientHostVolumeConfig{"data": {Name: "data", Path: "/srv/data", ReadOnly: true}}
	})
	withVol := h.addNodes(6, 2, func(n *structs.Node) {
		n.HostVolumes = map[string]*structs.ClientHostVolumeConfig{"data": {Name: "data", Path: "/srv/data"}}
	})
	j := mockJob("vol")
	j.TaskGroups[0].Count = 4
	j.TaskGroups[0].Volumes = map[string]*structs.VolumeRequest{"data": {Name: "data", Type: structs.VolumeTypeHost, Source: "data"}}
	job := h.upsertJob(j)
	h.process(newEval(job, structs.EvalTriggerJobRegister))

	ok := map[string]bool{withVol[0].ID: true, withVol[1].ID: true}
	live := h.liveAllocs(job)
	filtered := 0
	if len(live) != 4 {
		t.Fatalf("%d placed, want 4", len(live))
	}
	for _, a := range live {
		if !ok[a.NodeID] {
			t.Fatalf("%s placed on %s without a writable data volume", a.Name, a.NodeID)
		}
		filtered += a.Metrics.ConstraintFiltered[reasonHostVolumes]
	}
	if filtered == 0 {
		t.Fatal("no placement metric counts nodes filtered for host volumes")
	}

	// A group nobody can serve fails with the reason named, and its
	// blocked evaluation escapes the computed class.
	j2 := mockJob("novol")
	j2.TaskGroups[0].Volumes = map[string]*structs.VolumeRequest{"logs": {Name: "logs", Type: structs.VolumeTypeHost, Source: "logs"}}
	job2 := h.upsertJob(j2)
	h.created = nil
	h.process(newEval(job2, structs.EvalTriggerJobRegister))
	m := h.lastEval().FailedTGAllocs["web"]
	if m == nil || m.ConstraintFiltered[reasonHostVolumes] != 8 {
		t.Fatalf("failed metric %+v", m)
	}
	if len(h.created) != 1 || !h.created[0].EscapedComputedClass {
		t.Fatalf("blocked eval %+v", h.created)
	}
}
