package structs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// nestedConfig returns {"a": {"a": ... {"a": "x"}}} with depth maps,
// counting the Config map itself.
func nestedConfig(depth int) map[string]interface{} {
	var x interface{} = "x"
	for i := 1; i < depth; i++ {
		x = map[string]interface{}{"a": x}
	}
	return map[string]interface{}{"a": x}
}

func mustFail(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error with %q", want)
	}
	if !IsValidationError(err) {
		t.Fatalf("error is not a validation error: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("missing %q in:\n%v", w, err)
		}
	}
}

func TestLimits_GroupCountBound(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.TaskGroups[0].Count = DefaultMaxGroupCount
	if err := job.Validate(); err != nil {
		t.Fatalf("count at the bound refused: %v", err)
	}
	job.TaskGroups[0].Count = 2147483648
	mustFail(t, job.Validate(), "TaskGroups[0].Count: must be at most 100000 (the server's job_max_group_count), got 2147483648")
	job.TaskGroups[0].Count = 9223372036854775807
	mustFail(t, job.Validate(), "TaskGroups[0].Count: must be at most 100000")

	// A server's own bound applies, in both directions.
	job.TaskGroups[0].Count = 50
	mustFail(t, job.ValidateWith(Limits{MaxGroupCount: 10}), "TaskGroups[0].Count: must be at most 10")
	job.TaskGroups[0].Count = 200_000
	if err := job.ValidateWith(Limits{MaxGroupCount: 500_000, MaxPlacements: 500_000}); err != nil {
		t.Fatalf("configured bound not honoured: %v", err)
	}
}

func TestLimits_PlacementsBound(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	second := *job.TaskGroups[0]
	second.Name = "other"
	job.TaskGroups = append(job.TaskGroups, &second)
	job.TaskGroups[0].Count, job.TaskGroups[1].Count = 60_000, 40_000
	if err := job.Validate(); err != nil {
		t.Fatalf("placements at the bound refused: %v", err)
	}
	job.TaskGroups[1].Count = 40_001
	mustFail(t, job.Validate(), "TaskGroups: the counts of the groups add up to more than 100000 allocations (the server's job_max_placements)")
	// No overflow with counts near the int limit.
	job.TaskGroups[0].Count, job.TaskGroups[1].Count = 1<<62, 1<<62
	mustFail(t, job.ValidateWith(Limits{MaxGroupCount: 1 << 62, MaxPlacements: 1 << 62}), "add up to more than")
}

func TestLimits_ConfigDepth(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.TaskGroups[0].Tasks[0].Config = nestedConfig(MaxConfigDepth)
	if err := job.Validate(); err != nil {
		t.Fatalf("config at the depth bound refused: %v", err)
	}
	for _, depth := range []int{MaxConfigDepth + 1, 1017, 1019, 100_000} {
		job.TaskGroups[0].Tasks[0].Config = nestedConfig(depth)
		mustFail(t, job.Validate(), "TaskGroups[0].Tasks[0].Config: nested deeper than 32 levels (at Config.a.a.a")
		mustFail(t, job.ValidateBounds(Limits{}), "nested deeper than 32 levels")
	}
	// Lists count as levels too.
	var x interface{} = "x"
	for i := 0; i < MaxConfigDepth; i++ {
		x = []interface{}{x}
	}
	job.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"l": x}
	mustFail(t, job.Validate(), "nested deeper than 32 levels (at Config.l[0][0]")
	// The bound cannot be raised.
	job.TaskGroups[0].Tasks[0].Config = nestedConfig(MaxConfigDepth + 1)
	mustFail(t, job.ValidateWith(Limits{MaxConfigDepth: 2000}), "nested deeper than 32 levels")
}

// TestLimits_AcceptedConfigAlwaysDecodes proves the point of the depth
// limit: a job with the deepest Config Validate accepts survives msgpack,
// wrapped in an allocation inside an RPC reply, and in a deep copy.
func TestLimits_AcceptedConfigAlwaysDecodes(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.TaskGroups[0].Tasks[0].Config = nestedConfig(MaxConfigDepth)
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	type reply struct{ Allocs []*Allocation }
	type envelope struct{ Replies [][]*reply }
	in := envelope{Replies: [][]*reply{{{Allocs: []*Allocation{{ID: "a", Job: job}}}}}}
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, MsgpackHandle).Encode(in); err != nil {
		t.Fatal(err)
	}
	var out envelope
	if err := Decode(buf, &out); err != nil {
		t.Fatalf("an accepted job fails to decode: %v", err)
	}
	_ = job.Copy()
	if MaxConfigDepth+MaxJobStructDepth+16 >= MsgpackMaxDepth {
		t.Fatal("limits too close to the msgpack decoder's depth")
	}
}

func TestLimits_ConfigValuesAndKeys(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	wide := map[string]interface{}{}
	for i := 0; i < 10_001; i++ {
		wide[fmt.Sprint(i)] = i
	}
	job.TaskGroups[0].Tasks[0].Config = wide
	mustFail(t, job.Validate(), "TaskGroups[0].Tasks[0].Config: holds more than 10000 values")
	job.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"m": map[string]interface{}{strings.Repeat("k", 300): 1}}
	mustFail(t, job.Validate(), "key at Config.m is longer than 256 bytes")
}

func TestLimits_ShapeOfTheJob(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	for i := 0; i < 1001; i++ {
		job.Datacenters = append(job.Datacenters, "dc")
	}
	job.Meta = map[string]string{"big": strings.Repeat("v", 64<<10+1)}
	job.TaskGroups[0].Tasks[0].Env = map[string]string{}
	for i := 0; i < 1001; i++ {
		job.TaskGroups[0].Tasks[0].Env[fmt.Sprint("K", i)] = "v"
	}
	tasks := job.TaskGroups[0].Tasks
	for i := 0; i < 100; i++ {
		tasks = append(tasks, tasks[0])
	}
	job.TaskGroups[0].Tasks = tasks
	mustFail(t, job.Validate(),
		"Datacenters: 1002 entries; at most 1000 are accepted",
		`Meta["big"]: value is 65537 bytes; at most 65536 are accepted`,
		"TaskGroups[0].Tasks: 101 entries; at most 100 are accepted")
	job = testJob()
	job.Canonicalize()
	job.TaskGroups[0].Tasks[0].Env = map[string]string{}
	for i := 0; i < 1001; i++ {
		job.TaskGroups[0].Tasks[0].Env[fmt.Sprint("K", i)] = "v"
	}
	mustFail(t, job.Validate(), "TaskGroups[0].Tasks[0].Env: 1001 entries; at most 1000 are accepted")
}

// TestNullEntries: a null in any list of a job is a validation error
// with its path, never a panic in Canonicalize or Validate.
func TestNullEntries(t *testing.T) {
	cases := []struct {
		set  func(j *Job)
		want string
	}{
		{func(j *Job) { j.TaskGroups = []*TaskGroup{nil} }, "TaskGroups[0]: null; want a task group object"},
		{func(j *Job) { j.TaskGroups[0].Tasks = append(j.TaskGroups[0].Tasks, nil) }, "TaskGroups[0].Tasks[1]: null; want a task object"},
		{func(j *Job) { j.Constraints = []*Constraint{nil} }, "Constraints[0]: null"},
		{func(j *Job) { j.Affinities = []*Affinity{nil} }, "Affinities[0]: null"},
		{func(j *Job) { j.Spreads = []*Spread{{Attribute: "a", Weight: 1, SpreadTarget: []*SpreadTarget{nil}}} }, "Spreads[0].SpreadTarget[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Constraints = []*Constraint{nil} }, "TaskGroups[0].Constraints[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Spreads = []*Spread{nil} }, "TaskGroups[0].Spreads[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Networks = []*NetworkResource{nil} }, "TaskGroups[0].Networks[0]: null; want a network object"},
		{func(j *Job) { j.TaskGroups[0].Services = []*Service{nil} }, "TaskGroups[0].Services[0]: null; want a service object"},
		{func(j *Job) { j.TaskGroups[0].Services = []*Service{{Name: "s", Checks: []*ServiceCheck{nil}}} }, "TaskGroups[0].Services[0].Checks[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Volumes = map[string]*VolumeRequest{"v": nil} }, `TaskGroups[0].Volumes["v"]: null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Templates = []*Template{nil} }, "TaskGroups[0].Tasks[0].Templates[0]: null; want a template object"},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Artifacts = []*TaskArtifact{nil} }, "TaskGroups[0].Tasks[0].Artifacts[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].VolumeMounts = []*VolumeMount{nil} }, "TaskGroups[0].Tasks[0].VolumeMounts[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Services = []*Service{nil} }, "TaskGroups[0].Tasks[0].Services[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Constraints = []*Constraint{nil} }, "TaskGroups[0].Tasks[0].Constraints[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Affinities = []*Affinity{nil} }, "TaskGroups[0].Tasks[0].Affinities[0]: null"},
		{func(j *Job) {
			j.TaskGroups[0].Tasks[0].Resources = &Resources{Networks: []*NetworkResource{nil}}
		}, "TaskGroups[0].Tasks[0].Resources.Networks[0]: null"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			job := testJob()
			tc.set(job)
			job.Canonicalize()
			mustFail(t, job.Validate(), tc.want)
			_ = job.Warnings()
		})
	}
}
