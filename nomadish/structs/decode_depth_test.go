package structs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// deepConfig is a task Config whose nesting, as ValueDepth counts it, is
// depth: maps alternating with lists, a string at the bottom.
func deepConfig(depth int) map[string]interface{} {
	var v interface{} = "bottom"
	for i := 1; i < depth; i++ {
		if i%2 == 0 {
			v = []interface{}{"pad", v}
		} else {
			v = map[string]interface{}{"k": v, "flat": "x"}
		}
	}
	return map[string]interface{}{"image": "redis", "nested": v}
}

func deepJob(depth int) *Job {
	return &Job{ID: "deep", TaskGroups: []*TaskGroup{{Name: "g", Tasks: []*Task{
		{Name: "ok", Config: map[string]interface{}{"image": "redis"}},
		{Name: "bad", Config: deepConfig(depth)},
	}}}}
}

// decodes reports whether in survives an encode and a decode into out.
func decodes(t *testing.T, in, out interface{}) bool {
	t.Helper()
	buf, err := Encode(0, in)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return Decode(buf[1:], out) == nil
}

// TestMaxDecodeDepthMatchesTheCodec checks each depth budget against the
// codec itself: a Config at the budget decodes, one level more does not.
// If the codec's limit or the types' shape change, this fails.
func TestMaxDecodeDepthMatchesTheCodec(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		wrap  func(j *Job) (in, out interface{})
	}{
		{"job", MaxDecodeDepth - configLevelsInJob, func(j *Job) (interface{}, interface{}) { return j, &Job{} }},
		{"JobRegisterRequest", MaxDecodeDepth - configLevelsInJob - 1, func(j *Job) (interface{}, interface{}) {
			return &JobRegisterRequest{Job: j}, &JobRegisterRequest{}
		}},
		{"AllocsGetResponse", MaxDeliverableConfigDepth, func(j *Job) (interface{}, interface{}) {
			return &AllocsGetResponse{Allocs: []*Allocation{{ID: "a", Job: j}}}, &AllocsGetResponse{}
		}},
		{"ApplyPlanResults job", MaxPlanJobConfigDepth, func(j *Job) (interface{}, interface{}) {
			return &ApplyPlanResultsRequest{Job: j, Allocs: []*Allocation{{ID: "a"}}}, &ApplyPlanResultsRequest{}
		}},
		{"ApplyPlanResults stop", MaxPlanAllocConfigDepth, func(j *Job) (interface{}, interface{}) {
			return &ApplyPlanResultsRequest{AllocsStopped: []*Allocation{{ID: "a", Job: j}}}, &ApplyPlanResultsRequest{}
		}},
		{"ApplyPlanResults preempt", MaxPlanAllocConfigDepth, func(j *Job) (interface{}, interface{}) {
			return &ApplyPlanResultsRequest{AllocsPreempted: []*Allocation{{ID: "a", Job: j}}}, &ApplyPlanResultsRequest{}
		}},
		{"ApplyPlanResults placement of another job", MaxPlanAllocConfigDepth, func(j *Job) (interface{}, interface{}) {
			return &ApplyPlanResultsRequest{Allocs: []*Allocation{{ID: "a", Job: j}}}, &ApplyPlanResultsRequest{}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := deepJob(tc.limit)
			if d := ValueDepth(at.TaskGroups[0].Tasks[1].Config, MaxDecodeDepth); d != tc.limit {
				t.Fatalf("ValueDepth = %d, want %d", d, tc.limit)
			}
			in, out := tc.wrap(at)
			if !decodes(t, in, out) {
				t.Fatalf("Config %d deep does not decode; the budget is too high", tc.limit)
			}
			in, out = tc.wrap(deepJob(tc.limit + 1))
			if decodes(t, in, out) {
				t.Fatalf("Config %d deep decodes; the budget is too low", tc.limit+1)
			}
		})
	}
}

func TestValueDepth(t *testing.T) {
	type inner struct{ M map[string]int }
	for _, tc := range []struct {
		name string
		v    interface{}
		want int
	}{
		{"scalar", "x", 0},
		{"nil", nil, 0},
		{"flat map", map[string]interface{}{"a": 1, "b": "c"}, 1},
		{"list in map", map[string]interface{}{"a": []interface{}{1, 2}}, 2},
		{"bytes", []byte("abc"), 0},
		{"typed slice of maps", []map[string]interface{}{{"a": []interface{}{1}}}, 3},
		{"struct", &inner{M: map[string]int{"a": 1}}, 2},
		{"string map", map[string]string{"a": "b"}, 1},
	} {
		if got := ValueDepth(tc.v, 100); got != tc.want {
			t.Errorf("%s: ValueDepth = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := ValueDepth(deepConfig(50), 100); got != 50 {
		t.Errorf("deepConfig(50): ValueDepth = %d", got)
	}
}

// A value far deeper than the limit costs no more than the limit: the
// walk stops at limit+1 rather than recursing 100,000 levels.
func TestValueDepthStopsPastTheLimit(t *testing.T) {
	v := deepConfig(100_000)
	if got := ValueDepth(v, 10); got != 11 {
		t.Fatalf("ValueDepth(100,000 deep, limit 10) = %d, want 11", got)
	}
}

func TestJobDeliveryProblem(t *testing.T) {
	if err := deepJob(MaxDeliverableConfigDepth).DeliveryProblem(); err != nil {
		t.Fatalf("job at the limit: %v", err)
	}
	err := deepJob(MaxDeliverableConfigDepth + 1).DeliveryProblem()
	if !errors.Is(err, ErrNotDeliverable) {
		t.Fatalf("job past the limit: %v, want ErrNotDeliverable", err)
	}
	for _, want := range []string{`"deep"`, "TaskGroups[0].Tasks[1].Config", "1015"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	var nilJob *Job
	if err := nilJob.DeliveryProblem(); err != nil {
		t.Fatalf("nil job: %v", err)
	}
}

func BenchmarkJobDeliveryProblem(b *testing.B) {
	j := deepJob(20)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := j.DeliveryProblem(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTooDeepField(t *testing.T) {
	limit := MaxDecodeDepth - configLevelsInJob - 1
	if _, _, _, found := TooDeepField(&JobRegisterRequest{Job: deepJob(limit)}); found {
		t.Fatal("a request that decodes reported too deep")
	}
	path, depth, allowed, found := TooDeepField(&JobRegisterRequest{Job: deepJob(limit + 1)})
	if !found || path != "Job.TaskGroups[0].Tasks[1].Config" || depth != limit+1 || allowed != limit {
		t.Fatalf("TooDeepField = %q, %d, %d, %v; want Job.TaskGroups[0].Tasks[1].Config, %d, %d, true", path, depth, allowed, found, limit+1, limit)
	}
	path, _, allowed, found = TooDeepField(&AllocsGetResponse{Allocs: []*Allocation{{Job: deepJob(MaxDeliverableConfigDepth + 1)}}})
	if !found || path != "Allocs[0].Job.TaskGroups[0].Tasks[1].Config" || allowed != MaxDeliverableConfigDepth {
		t.Fatalf("TooDeepField(AllocsGetResponse) = %q, allowed %d, %v", path, allowed, found)
	}
}

// freeFormFields lists the paths of the fields under t whose values nest
// freely (interface{}, or maps and slices of it), each type visited once.
func freeFormFields(t reflect.Type, path string, seen map[reflect.Type]bool, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Interface:
		*out = append(*out, path)
	case reflect.Map, reflect.Slice, reflect.Array:
		freeFormFields(t.Elem(), path+"[]", seen, out)
	case reflect.Struct:
		if seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.IsExported() {
				freeFormFields(f.Type, t.Name()+"."+f.Name, seen, out)
			}
		}
	}
}

// checkPlanResults (in nomadish) walks only task Configs and scaling
// policies (Job.TaskConfigTooDeep) to prove that a plan's entry decodes:
// that holds while they are the only free-form data a plan carries. A new
// free-form field must be checked there too.
func TestPlanResultsFreeFormFieldsAreTaskConfigs(t *testing.T) {
	var got []string
	freeFormFields(reflect.TypeOf(ApplyPlanResultsRequest{}), "", map[reflect.Type]bool{}, &got)
	// The free-form data of job_blocks.go is walked by blockDataTooDeep.
	want := "Task.Config[],ConsulConnect.Gateway[],ConsulUpstream.Config[],ConsulProxy.Config[],SidecarTask.Config[],Secret.Config[],ScalingPolicy.Policy[]"
	if strings.Join(got, ",") != want {
		t.Fatalf("free-form fields in plan results: %v, want only %s", got, want)
	}
}
