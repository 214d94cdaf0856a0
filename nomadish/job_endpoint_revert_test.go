package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestJobRevert(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web")) // version 0
	v1 := mockJob("web")
	v1.TaskGroups[0].Count = 5
	registerJob(t, s, v1) // version 1

	revert := func(version uint64, prior *uint64) (*structs.JobRegisterResponse, error) {
		var resp structs.JobRegisterResponse
		err := s.RPC("Job.Revert", &structs.JobRevertRequest{JobID: "web", JobVersion: version, EnforcePriorVersion: prior}, &resp)
		return &resp, err
	}

	if _, err := revert(1, nil); !structs.IsValidationError(err) || !strings.Contains(err.Error(), "already at version 1") {
		t.Fatalf("revert to current: %v", err)
	}
	if _, err := revert(7, nil); !structs.IsErrNotFound(err) || !strings.Contains(err.Error(), "stored versions: 1, 0") {
		t.Fatalf("revert to missing version: %v", err)
	}
	wrong := uint64(0)
	if _, err := revert(0, &wrong); !structs.IsErrConflict(err) || !strings.Contains(err.Error(), "is at version 1") {
		t.Fatalf("enforce prior version: %v", err)
	}
	right := uint64(1)
	resp, err := revert(0, &right)
	if err != nil {
		t.Fatal(err)
	}
	if resp.EvalID == "" || resp.JobModifyIndex == 0 {
		t.Fatalf("revert response = %+v", resp)
	}
	job, _ := s.State().JobByID(nil, "default", "web")
	if job.Version != 2 || job.TaskGroups[0].Count != 2 {
		t.Fatalf("after revert: version %d count %d", job.Version, job.TaskGroups[0].Count)
	}
	var missing structs.JobRegisterResponse
	if err := s.RPC("Job.Revert", &structs.JobRevertRequest{JobID: "nope"}, &missing); !structs.IsErrNotFound(err) {
		t.Fatalf("revert of a missing job: %v", err)
	}
}

func TestJobVersions_Diffs(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("web"))
	v1 := mockJob("web")
	v1.TaskGroups[0].Count = 3
	registerJob(t, s, v1)
	v2 := v1.Copy()
	v2.Priority = 80
	registerJob(t, s, v2)

	var resp structs.JobVersionsResponse
	if err := s.RPC("Job.GetJobVersions", &structs.JobVersionsRequest{JobID: "web", Diffs: true}, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Versions) != 3 || len(resp.Diffs) != 2 {
		t.Fatalf("%d versions, %d diffs", len(resp.Versions), len(resp.Diffs))
	}
	// Diffs[0]: v1 -> v2 (priority); Diffs[1]: v0 -> v1 (count).
	if f := resp.Diffs[0].Fields; len(f) != 1 || f[0].Name != "Priority" || f[0].Old != "50" || f[0].New != "80" {
		t.Fatalf("diff 0 fields = %+v", f)
	}
	g := resp.Diffs[1].TaskGroups[0]
	if g.Fields[0].Name != "Count" || g.Fields[0].Old != "2" || g.Fields[0].New != "3" {
		t.Fatalf("diff 1 group = %+v", g.Fields[0])
	}
	var plain structs.JobVersionsResponse
	if err := s.RPC("Job.GetJobVersions", &structs.JobVersionsRequest{JobID: "web"}, &plain); err != nil {
		t.Fatal(err)
	}
	if plain.Diffs != nil {
		t.Fatal("diffs without asking")
	}
}
