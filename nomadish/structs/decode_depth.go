package structs

import (
	"errors"
	"fmt"
	"reflect"
)

// MaxDecodeDepth is the deepest nesting of maps, arrays and structs that
// MsgpackHandle decodes, counted in containers from the outermost value
// (the value itself is level 1). It is the codec's own limit (its default
// MaxDepth of 1024, checked before the 1024th level is entered); a
// message nested deeper encodes without complaint but fails to decode,
// whether it is a Raft entry on a follower or an RPC reply on a client.
// TestMaxDecodeDepthMatchesTheCodec keeps it honest.
const MaxDecodeDepth = 1023

// Containers that enclose a task's Config when it is encoded: the levels
// that Config's own nesting adds to.
const (
	// configLevelsInJob: Job, TaskGroups, TaskGroup, Tasks, Task.
	configLevelsInJob = 5
	// configLevelsInAllocsGet: AllocsGetResponse, Allocs, Allocation,
	// then the allocation's Job.
	configLevelsInAllocsGet = 3 + configLevelsInJob
	// configLevelsInPlanResultsJob: ApplyPlanResultsRequest, then its Job.
	configLevelsInPlanResultsJob = 1 + configLevelsInJob
	// configLevelsInPlanResultsAlloc: ApplyPlanResultsRequest, Allocs (or
	// AllocsStopped, AllocsPreempted), Allocation, then the allocation's
	// Job.
	configLevelsInPlanResultsAlloc = 3 + configLevelsInJob
)

// MaxDeliverableConfigDepth is the deepest task Config (counted as
// ValueDepth counts) that still decodes in an Alloc.GetAllocs reply: an
// allocation whose job nests deeper cannot reach its client.
const MaxDeliverableConfigDepth = MaxDecodeDepth - configLevelsInAllocsGet

// Deepest task Configs that still decode in an ApplyPlanResults entry: in
// the job the entry carries once for the plan's placements, and in a job
// an allocation of the entry carries itself.
const (
	MaxPlanJobConfigDepth   = MaxDecodeDepth - configLevelsInPlanResultsJob
	MaxPlanAllocConfigDepth = MaxDecodeDepth - configLevelsInPlanResultsAlloc
)

// ErrNotDeliverable marks an allocation that cannot be sent to its client
// because it would not decode there.
var ErrNotDeliverable = errors.New("allocation cannot be sent to its client")

// ValueDepth returns how deeply v nests maps, slices, arrays and structs
// as msgpack encodes them (a scalar is 0, a flat map 1), counting no
// further than limit+1: the walk stops descending there, so its cost and
// its stack are bounded by limit however deep v is. It does not allocate
// for the types JSON and msgpack decode into (map[string]interface{},
// []interface{} and scalars); other types are walked by reflection.
func ValueDepth(v interface{}, limit int) int {
	switch x := v.(type) {
	case nil, string, bool, int, int64, uint64, float64, float32, int32, uint32, uint, int8, int16, uint8, uint16, []byte:
		return 0
	case map[string]interface{}:
		if limit <= 0 {
			return 1
		}
		deepest := 0
		for _, e := range x {
			if d := ValueDepth(e, limit-1); d > deepest {
				deepest = d
				if deepest >= limit {
					break
				}
			}
		}
		return 1 + deepest
	case []interface{}:
		if limit <= 0 {
			return 1
		}
		deepest := 0
		for _, e := range x {
			if d := ValueDepth(e, limit-1); d > deepest {
				deepest = d
				if deepest >= limit {
					break
				}
			}
		}
		return 1 + deepest
	case map[string]string, []string:
		return 1
	}
	return reflectDepth(reflect.ValueOf(v), limit)
}

// reflectDepth is ValueDepth for values of other types.
func reflectDepth(v reflect.Value, limit int) int {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	deepest := 0
	visit := func(e reflect.Value) bool {
		var d int
		if e.Kind() == reflect.Interface && !e.IsNil() {
			d = ValueDepth(e.Interface(), limit-1)
		} else {
			d = reflectDepth(e, limit-1)
		}
		if d > deepest {
			deepest = d
		}
		return deepest < limit
	}
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		if limit <= 0 && !(v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8) {
			return 1
		}
	default:
		return 0
	}
	switch v.Kind() {
	case reflect.Map:
		it := v.MapRange()
		for it.Next() && visit(it.Value()) {
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return 0 // bytes encode as one string
		}
		for i := 0; i < v.Len() && visit(v.Index(i)); i++ {
		}
	case reflect.Struct:
		for i := 0; i < v.NumField() && visit(v.Field(i)); i++ {
		}
	default:
		return 0
	}
	return 1 + deepest
}

// TaskConfigTooDeep reports the first task of j whose Config nests deeper
// than limit levels, with its field path and depth; ok is false when
// every task is within the limit. It allocates only to build the path of
// a task it reports.
func (j *Job) TaskConfigTooDeep(limit int) (path string, depth int, found bool) {
	if j == nil {
		return "", 0, false
	}
	for gi, tg := range j.TaskGroups {
		if tg == nil {
			continue
		}
		for ti, t := range tg.Tasks {
			if t == nil || t.Config == nil {
				continue
			}
			if d := ValueDepth(t.Config, limit); d > limit {
				return fmt.Sprintf("TaskGroups[%d].Tasks[%d].Config", gi, ti), d, true
			}
		}
		// A scaling policy's opaque Policy sits two levels above a task's
		// Config, so holding it to the same limit is on the safe side.
		if tg.Scaling != nil && tg.Scaling.Policy != nil {
			if d := ValueDepth(tg.Scaling.Policy, limit); d > limit {
				return fmt.Sprintf("TaskGroups[%d].Scaling.Policy", gi), d, true
			}
		}
	}
	return j.blockDataTooDeep(limit) // the free-form data of job_blocks.go
}

// DeliveryProblem says why an allocation of job j could not be sent to
// its client (an error wrapping ErrNotDeliverable), or nil when it can.
func (j *Job) DeliveryProblem() error {
	path, depth, found := j.TaskConfigTooDeep(MaxDeliverableConfigDepth)
	if !found {
		return nil
	}
	return fmt.Errorf("%w: job %q: %s nests more than %d levels deep (at least %d), deeper than the client's decoder accepts; fix the job and register it again",
		ErrNotDeliverable, j.ID, path, MaxDeliverableConfigDepth, depth)
}

// Undeliverable describes a, which cannot be sent for reason.
func (a *Allocation) Undeliverable(reason string) *UndeliverableAlloc {
	u := &UndeliverableAlloc{ID: a.ID, AllocModifyIndex: a.AllocModifyIndex,
		DesiredStatus: a.DesiredStatus, ClientStatus: a.ClientStatus, Reason: reason}
	if a.Job != nil {
		if tg := a.Job.LookupTaskGroup(a.TaskGroup); tg != nil {
			for _, t := range tg.Tasks {
				if t != nil {
					u.TaskNames = append(u.TaskNames, t.Name)
				}
			}
		}
	}
	return u
}

// TooDeepField finds a field of msg whose free-form value (an interface{},
// or a map or slice of them, such as a task's Config) nests so deeply that
// msg as a whole passes MaxDecodeDepth. It returns the field's path (such
// as "Job.TaskGroups[0].Tasks[1].Config"), the value's own depth and the
// most that would fit at that field. It walks all of msg by reflection:
// meant for explaining a failed decode, not for a hot path.
func TooDeepField(msg interface{}) (path string, depth, allowed int, found bool) {
	w := &deepWalk{}
	w.walk(reflect.ValueOf(msg), 0, "")
	return w.path, w.depth, w.allowed, w.found
}

type deepWalk struct {
	path           string
	depth, allowed int
	found          bool
}

// walk visits v, enclosed by level containers, at path.
func (w *deepWalk) walk(v reflect.Value, level int, path string) {
	for !w.found && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Interface {
			w.freeForm(v.Interface(), level, path)
			return
		}
		v = v.Elem()
	}
	if w.found || level >= MaxDecodeDepth {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField() && !w.found; i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Anonymous {
				// msgpack inlines an embedded struct's fields.
				w.walk(v.Field(i), level, path)
				continue
			}
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			w.walk(v.Field(i), level+1, p)
		}
	case reflect.Map:
		if isFreeForm(v.Type().Elem()) {
			w.freeForm(v.Interface(), level, path)
			return
		}
		it := v.MapRange()
		for it.Next() && !w.found {
			w.walk(it.Value(), level+1, fmt.Sprintf("%s[%v]", path, it.Key()))
		}
	case reflect.Slice, reflect.Array:
		if isFreeForm(v.Type().Elem()) {
			w.freeForm(v.Interface(), level, path)
			return
		}
		for i := 0; i < v.Len() && !w.found; i++ {
			w.walk(v.Index(i), level+1, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// freeForm checks a free-form value x enclosed by level containers.
func (w *deepWalk) freeForm(x interface{}, level int, path string) {
	allowed := MaxDecodeDepth - level
	if d := ValueDepth(x, allowed); d > allowed {
		w.path, w.depth, w.allowed, w.found = path, d, allowed, true
	}
}

func isFreeForm(t reflect.Type) bool { return t.Kind() == reflect.Interface }
