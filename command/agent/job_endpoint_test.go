package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// testJob is a minimal valid job body.
func testJob(id string) map[string]interface{} {
	return map[string]interface{}{
		"ID": id, "Name": id, "Type": "service", "Datacenters": []string{"dc1"},
		"TaskGroups": []map[string]interface{}{{
			"Name": "web", "Count": 1,
			"Tasks": []map[string]interface{}{{
				"Name": "server", "Driver": "mock",
				"Resources": map[string]interface{}{"CPU": 100, "MemoryMB": 64},
			}},
		}},
	}
}

func TestJobs_RegisterAndRead(t *testing.T) {
	a := newTestAPI(t)
	r := a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")})
	r.expect(t, 200, `{"EvalID":"eval-11","EvalCreateIndex":11,"JobModifyIndex":11,"Warnings":"","Index":11}`)
	if r.header.Get("X-Nomad-Index") != "11" {
		t.Fatalf("X-Nomad-Index = %q", r.header.Get("X-Nomad-Index"))
	}
	if a.backend.lastWrite.Region != "global" {
		t.Fatalf("write region = %q", a.backend.lastWrite.Region)
	}

	var job structs.Job
	a.do(t, "GET", "/v1/job/web", nil).expect(t, 200)
	a.do(t, "GET", "/v1/job/web", nil).decode(t, &job)
	if job.ID != "web" || len(job.TaskGroups) != 1 || job.TaskGroups[0].Tasks[0].Driver != "mock" || job.JobModifyIndex != 11 {
		t.Fatalf("job = %+v", job)
	}

	a.do(t, "POST", "/v1/jobs", map[string]interface{}{"Job": testJob("api")}).expect(t, 200)
	var list []structs.JobListStub
	a.do(t, "GET", "/v1/jobs", nil).decode(t, &list)
	if len(list) != 2 || list[0].ID != "api" || list[1].ID != "web" {
		t.Fatalf("list = %+v", list)
	}
	a.do(t, "GET", "/v1/jobs?prefix=we", nil).decode(t, &list)
	if len(list) != 1 || list[0].ID != "web" {
		t.Fatalf("prefix list = %+v", list)
	}
	a.do(t, "GET", "/v1/jobs?prefix=zzz", nil).expect(t, 200, "[]")
}

func TestJobs_RegisterValidation(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/jobs", `{"EnforceIndex": true}`).expect(t, 400, `Job: missing; the body must be {"Job": {...}}`)
	bad := testJob("web")
	bad["TaskGroups"].([]map[string]interface{})[0]["Count"] = -1
	bad["Type"] = "nope"
	r := a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": bad})
	r.expect(t, 400, "validation error", `group "web" > count`)
}

func TestJobs_EnforceIndexConflictIs409(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web"), "EnforceIndex": true, "JobModifyIndex": 3}).
		expect(t, 409, "conflict: enforcing job modify index 3")
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web"), "EnforceIndex": true, "JobModifyIndex": 11}).
		expect(t, 200, `"JobModifyIndex":12`)
}

func TestJobs_UpdateByPath(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/job/web", map[string]interface{}{"Job": testJob("web")}).expect(t, 200, `"EvalID"`)
	a.do(t, "POST", "/v1/job/web", map[string]interface{}{"Job": testJob("api")}).
		expect(t, 400, `Job.ID: "api" does not match the job ID "web" in the path`)
	a.do(t, "PUT", "/v1/job/web", map[string]interface{}{"Job": map[string]interface{}{}}).
		expect(t, 400, `Job.ID: "" does not match`)
}

func TestJobs_RegionAndNamespaceRouting(t *testing.T) {
	a := newTestAPI(t)
	a.backend.regions = []string{"global", "eu"}
	j := testJob("web")
	j["Region"] = "eu"
	j["Namespace"] = "prod"
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": j}).expect(t, 200)
	if w := a.backend.lastWrite; w.Region != "eu" || w.Namespace != "prod" {
		t.Fatalf("write = %+v", w)
	}
	a.do(t, "PUT", "/v1/jobs?namespace=dev", map[string]interface{}{"Job": j}).
		expect(t, 400, `Job.Namespace: "prod" does not match the namespace "dev" of the query`)
	a.do(t, "PUT", "/v1/jobs?region=global", map[string]interface{}{"Job": j}).
		expect(t, 400, `Job.Region: "eu" does not match the region "global" of the query`)
	j["Region"] = "mars"
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": j}).expect(t, 400, `unknown region "mars"`)
}

func TestJobs_NotFound(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "GET", "/v1/job/nope", nil).expect(t, 404, "job not found")
	a.do(t, "GET", "/v1/job/nope/summary", nil).expect(t, 404, "job summary not found")
	a.do(t, "GET", "/v1/job/nope/versions", nil).expect(t, 404, "job not found")
	a.do(t, "DELETE", "/v1/job/nope", nil).expect(t, 404, "not found")
}

func TestJobs_Deregister(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	r := a.do(t, "DELETE", "/v1/job/web", nil)
	r.expect(t, 200, `"EvalID":"eval-dereg"`)
	var job structs.Job
	a.do(t, "GET", "/v1/job/web", nil).decode(t, &job)
	if !job.Stop {
		t.Fatal("deregister without purge must stop the job, not remove it")
	}
	a.do(t, "DELETE", "/v1/job/web?purge=maybe", nil).expect(t, 400, `invalid purge "maybe"`)
	a.do(t, "DELETE", "/v1/job/web?purge=true", nil).expect(t, 200)
	a.do(t, "GET", "/v1/job/web", nil).expect(t, 404)
}

func TestJobs_SubResources(t *testing.T) {
	a := newTestAPI(t)
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": testJob("web")}).expect(t, 200)
	a.do(t, "GET", "/v1/job/web/allocations?all=true", nil).expect(t, 200, "[]")
	a.do(t, "GET", "/v1/job/web/evaluations", nil).expect(t, 200, "[]")
	a.do(t, "GET", "/v1/job/web/summary", nil).expect(t, 200, `"JobID":"web"`)
	var v structs.JobVersionsResponse
	a.do(t, "GET", "/v1/job/web/versions?diffs=true", nil).decode(t, &v)
	if len(v.Versions) != 1 || v.Versions[0].ID != "web" {
		t.Fatalf("versions = %+v", v)
	}
	a.do(t, "GET", "/v1/job/web/versions?diffs=perhaps", nil).expect(t, 400, "invalid diffs")
	// IDs with reserved characters travel escaped.
	a.do(t, "GET", "/v1/job/a%2Fb", nil).expect(t, 404, "job not found")
}
