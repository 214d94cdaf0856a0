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
	mustFail(t, job.Validate(), `group "cache" > count: must be at most 100000 (the server's job_max_group_count), got 2147483648`)
	job.TaskGroups[0].Count = 9223372036854775807
	mustFail(t, job.Validate(), `group "cache" > count: must be at most 100000`)

	// A server's own bound applies, in both directions.
	job.TaskGroups[0].Count = 50
	mustFail(t, job.ValidateWith(Limits{MaxGroupCount: 10}), `group "cache" > count: must be at most 10`)
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
	mustFail(t, job.Validate(), "group blocks: the counts of the groups add up to more than 100000 allocations (the server's job_max_placements)")
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
		mustFail(t, job.Validate(), `group "cache" > task "redis" > config: nested deeper than 32 levels (at config.a.a.a`)
		mustFail(t, job.ValidateBounds(Limits{}), "nested deeper than 32 levels")
	}
	// Lists count as levels too.
	var x interface{} = "x"
	for i := 0; i < MaxConfigDepth; i++ {
		x = []interface{}{x}
	}
	job.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"l": x}
	mustFail(t, job.Validate(), "nested deeper than 32 levels (at config.l[0][0]")
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
	mustFail(t, job.Validate(), `group "cache" > task "redis" > config: holds more than 10000 values`)
	job.TaskGroups[0].Tasks[0].Config = map[string]interface{}{"m": map[string]interface{}{strings.Repeat("k", 300): 1}}
	mustFail(t, job.Validate(), "key at config.m is longer than 256 bytes")
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
		"datacenters: 1002 entries; at most 1000 are accepted",
		`meta["big"]: value is 65537 bytes; at most 65536 are accepted`,
		`group "cache" > task blocks: 101 entries; at most 100 are accepted`)
	job = testJob()
	job.Canonicalize()
	job.TaskGroups[0].Tasks[0].Env = map[string]string{}
	for i := 0; i < 1001; i++ {
		job.TaskGroups[0].Tasks[0].Env[fmt.Sprint("K", i)] = "v"
	}
	mustFail(t, job.Validate(), `group "cache" > task "redis" > env: 1001 entries; at most 1000 are accepted`)
}

// TestNullEntries: a null in any list of a job is a validation error
// with its path, never a panic in Canonicalize or Validate.
func TestNullEntries(t *testing.T) {
	cases := []struct {
		set  func(j *Job)
		want string
	}{
		{func(j *Job) { j.TaskGroups = []*TaskGroup{nil} }, "group[0]: null; want a task group object"},
		{func(j *Job) { j.TaskGroups[0].Tasks = append(j.TaskGroups[0].Tasks, nil) }, `group "cache" > task[1]: null; want a task object`},
		{func(j *Job) { j.Constraints = []*Constraint{nil} }, "constraint[0]: null"},
		{func(j *Job) { j.Affinities = []*Affinity{nil} }, "affinity[0]: null"},
		{func(j *Job) { j.Spreads = []*Spread{{Attribute: "a", Weight: 1, SpreadTarget: []*SpreadTarget{nil}}} }, "spread[0] > target[0]: null"},
		{func(j *Job) { j.TaskGroups[0].Constraints = []*Constraint{nil} }, `group "cache" > constraint[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Spreads = []*Spread{nil} }, `group "cache" > spread[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Networks = []*NetworkResource{nil} }, `group "cache" > network[0]: null; want a network object`},
		{func(j *Job) { j.TaskGroups[0].Services = []*Service{nil} }, `group "cache" > service[0]: null; want a service object`},
		{func(j *Job) { j.TaskGroups[0].Services = []*Service{{Name: "s", Checks: []*ServiceCheck{nil}}} }, `group "cache" > service[0] > check[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Volumes = map[string]*VolumeRequest{"v": nil} }, `group "cache" > volume "v": null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Templates = []*Template{nil} }, `group "cache" > task "redis" > template[0]: null; want a template object`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Artifacts = []*TaskArtifact{nil} }, `group "cache" > task "redis" > artifact[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].VolumeMounts = []*VolumeMount{nil} }, `group "cache" > task "redis" > volume_mount[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Services = []*Service{nil} }, `group "cache" > task "redis" > service[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Constraints = []*Constraint{nil} }, `group "cache" > task "redis" > constraint[0]: null`},
		{func(j *Job) { j.TaskGroups[0].Tasks[0].Affinities = []*Affinity{nil} }, `group "cache" > task "redis" > affinity[0]: null`},
		{func(j *Job) {
			j.TaskGroups[0].Tasks[0].Resources = &Resources{Networks: []*NetworkResource{nil}}
		}, `group "cache" > task "redis" > resources > network[0]: null`},
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
