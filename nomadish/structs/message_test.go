package structs

import (
	"reflect"
	"testing"
	"time"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	eval := &Evaluation{ID: "e1", JobID: job.ID, Status: EvalStatusPending, WaitUntil: time.Unix(100, 5).UTC()}
	in := &JobRegisterRequest{Job: job, Eval: eval, WriteRequest: WriteRequest{Region: "global"}}
	buf, err := Encode(JobRegisterRequestType, in)
	if err != nil {
		t.Fatal(err)
	}
	if MessageType(buf[0]) != JobRegisterRequestType {
		t.Fatalf("type byte = %d", buf[0])
	}
	var out JobRegisterRequest
	if err := Decode(buf[1:], &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in.Job, out.Job) {
		t.Fatalf("job changed in round trip:\n in: %#v\nout: %#v", in.Job, out.Job)
	}
	if !out.Eval.WaitUntil.Equal(eval.WaitUntil) {
		t.Fatalf("WaitUntil = %v, want %v", out.Eval.WaitUntil, eval.WaitUntil)
	}
}

func TestCopyIsDeep(t *testing.T) {
	job := testJob()
	c := job.Copy()
	c.TaskGroups[0].Tasks[0].Config["image"] = "changed"
	c.Meta["k"] = "changed"
	if job.TaskGroups[0].Tasks[0].Config["image"] != "redis:7" || job.Meta["k"] != "v" {
		t.Fatal("copy shares maps with the original")
	}
}

func testJob() *Job {
	return &Job{
		ID:          "web",
		Name:        "web",
		Type:        JobTypeService,
		Datacenters: []string{"dc1"},
		Meta:        map[string]string{"k": "v"},
		TaskGroups: []*TaskGroup{{
			Name:  "cache",
			Count: 2,
			Tasks: []*Task{{
				Name:      "redis",
				Driver:    "docker",
				Config:    map[string]interface{}{"image": "redis:7", "ports": []interface{}{"db"}},
				Resources: &Resources{CPU: 500, MemoryMB: 256},
			}},
		}},
	}
}
