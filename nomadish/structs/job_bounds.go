package structs

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
)

// ValidateBounds checks only the size and shape of a job against l: null
// entries in its lists, the lengths of its lists, maps and map entries,
// and the depth and size of every task's driver Config. It needs no
// Canonicalize and never panics, so an endpoint calls it before anything
// that walks or deep-copies the job (a Config nested past the msgpack
// decoder's depth cannot be copied). ValidateWith includes it.
func (j *Job) ValidateBounds(l Limits) error {
	v := newValidator()
	if j == nil {
		v.fail("Job", "missing; the request body must be {\"Job\": {...}}")
		return v.err()
	}
	j.checkBounds(v, l.orDefaults())
	return j.userErr(v.err()) // in the job file's words (job_validate_paths.go)
}

func (j *Job) checkBounds(v validator, l Limits) {
	boundStrings(v, "Datacenters", j.Datacenters, l.MaxListEntries)
	boundList(v, "Constraints", j.Constraints, l.MaxListEntries, "a constraint object")
	boundList(v, "Affinities", j.Affinities, l.MaxListEntries, "an affinity object")
	boundSpreads(v, j.Spreads, l)
	boundMap(v, "Meta", j.Meta, l)
	if !boundList(v, "TaskGroups", j.TaskGroups, l.MaxTaskGroups, "a task group object") {
		return
	}
	for i, tg := range j.TaskGroups {
		if tg != nil {
			tg.checkBounds(v.index("TaskGroups", i), l)
		}
	}
	j.checkBlockBounds(v, l) // job_validate_blocks.go
}

func (tg *TaskGroup) checkBounds(v validator, l Limits) {
	boundList(v, "Constraints", tg.Constraints, l.MaxListEntries, "a constraint object")
	boundList(v, "Affinities", tg.Affinities, l.MaxListEntries, "an affinity object")
	boundSpreads(v, tg.Spreads, l)
	boundMap(v, "Meta", tg.Meta, l)
	boundNetworks(v, tg.Networks, l)
	boundServices(v, tg.Services, l)
	if len(tg.Volumes) > l.MaxListEntries {
		v.fail("Volumes", "%d volumes; at most %d are accepted", len(tg.Volumes), l.MaxListEntries)
	} else {
		for _, name := range sortedKeys(tg.Volumes) {
			if tg.Volumes[name] == nil {
				v.fail("Volumes["+strconv.Quote(name)+"]", "null; want a volume object")
			}
		}
	}
	if !boundList(v, "Tasks", tg.Tasks, l.MaxTasksPerGroup, "a task object") {
		return
	}
	for i, t := range tg.Tasks {
		if t != nil {
			t.checkBounds(v.index("Tasks", i), l)
		}
	}
}

func (t *Task) checkBounds(v validator, l Limits) {
	checkConfig(v.at("Config"), t.Config, l)
	boundMap(v, "Env", t.Env, l)
	boundMap(v, "Meta", t.Meta, l)
	boundServices(v, t.Services, l)
	boundList(v, "Constraints", t.Constraints, l.MaxListEntries, "a constraint object")
	boundList(v, "Affinities", t.Affinities, l.MaxListEntries, "an affinity object")
	boundList(v, "Templates", t.Templates, l.MaxListEntries, "a template object")
	boundList(v, "VolumeMounts", t.VolumeMounts, l.MaxListEntries, "a volume mount object")
	if boundList(v, "Artifacts", t.Artifacts, l.MaxListEntries, "an artifact object") {
		for i, a := range t.Artifacts {
			if a != nil {
				boundMap(v.index("Artifacts", i), "GetterOptions", a.GetterOptions, l)
			}
		}
	}
	if t.Resources != nil {
		boundNetworks(v.at("Resources"), t.Resources.Networks, l)
	}
}

func boundSpreads(v validator, spreads []*Spread, l Limits) {
	if !boundList(v, "Spreads", spreads, l.MaxListEntries, "a spread object") {
		return
	}
	for i, s := range spreads {
		if s != nil {
			boundList(v.index("Spreads", i), "SpreadTarget", s.SpreadTarget, l.MaxListEntries, "a spread target object")
		}
	}
}

func boundNetworks(v validator, networks []*NetworkResource, l Limits) {
	if !boundList(v, "Networks", networks, l.MaxListEntries, "a network object") {
		return
	}
	for i, n := range networks {
		if n == nil {
			continue
		}
		nv := v.index("Networks", i)
		if len(n.ReservedPorts) > l.MaxListEntries {
			nv.fail("ReservedPorts", "%d entries; at most %d are accepted", len(n.ReservedPorts), l.MaxListEntries)
		}
		if len(n.DynamicPorts) > l.MaxListEntries {
			nv.fail("DynamicPorts", "%d entries; at most %d are accepted", len(n.DynamicPorts), l.MaxListEntries)
		}
	}
}

func boundServices(v validator, services []*Service, l Limits) {
	if !boundList(v, "Services", services, l.MaxListEntries, "a service object") {
		return
	}
	for i, s := range services {
		if s == nil {
			continue
		}
		sv := v.index("Services", i)
		boundStrings(sv, "Tags", s.Tags, l.MaxListEntries)
		boundStrings(sv, "CanaryTags", s.CanaryTags, l.MaxListEntries)
		boundMap(sv, "Meta", s.Meta, l)
		if boundList(sv, "Checks", s.Checks, l.MaxListEntries, "a check object") {
			for j, c := range s.Checks {
				if c != nil {
					boundStrings(sv.index("Checks", j), "Args", c.Args, l.MaxListEntries)
				}
			}
		}
	}
}

// boundList reports a list longer than max, or else each null entry; it
// returns whether the list is short enough to look into.
func boundList[T any](v validator, field string, list []*T, max int, want string) bool {
	if len(list) > max {
		v.fail(field, "%d entries; at most %d are accepted", len(list), max)
		return false
	}
	for i, e := range list {
		if e == nil {
			v.fail(indexPath(field, i), "null; want %s", want)
		}
	}
	return true
}

func boundStrings(v validator, field string, list []string, max int) {
	if len(list) > max {
		v.fail(field, "%d entries; at most %d are accepted", len(list), max)
	}
}

// boundMap bounds a string map's entries and the size of each key and
// value.
func boundMap(v validator, field string, m map[string]string, l Limits) {
	if len(m) > l.MaxMapEntries {
		v.fail(field, "%d entries; at most %d are accepted", len(m), l.MaxMapEntries)
		return
	}
	for _, k := range sortedKeys(m) {
		if len(k) > l.MaxMapKeyBytes {
			v.fail(field, "key %.32q... is %d bytes; at most %d are accepted", k, len(k), l.MaxMapKeyBytes)
		} else if len(m[k]) > l.MaxMapValueBytes {
			v.fail(field+"["+strconv.Quote(k)+"]", "value is %d bytes; at most %d are accepted", len(m[k]), l.MaxMapValueBytes)
		}
	}
}

// checkConfig bounds a driver Config's nesting depth, its number of
// values and the length of its keys. The walk never goes deeper than
// l.MaxConfigDepth+1, whatever the input, and stops at the first problem
// of each kind.
func checkConfig(v validator, cfg map[string]interface{}, l Limits) {
	if cfg == nil {
		return
	}
	c := configWalk{limits: l}
	c.walk(reflect.ValueOf(cfg), 1, "")
	switch {
	case c.tooDeep != "":
		v.fail("", "nested deeper than %d levels (at Config%s); flatten it", l.MaxConfigDepth, c.tooDeep)
	case c.values > l.MaxConfigValues:
		v.fail("", "holds more than %d values; at most %d are accepted", l.MaxConfigValues, l.MaxConfigValues)
	case c.longKey != "":
		v.fail("", "key at Config%s is longer than %d bytes", c.longKey, l.MaxMapKeyBytes)
	}
}

type configWalk struct {
	limits  Limits
	values  int
	tooDeep string // path of the first value past the depth limit
	longKey string // path of the first map holding a key too long
}

// walk visits x, a map or list at the given depth or a scalar inside one.
// It returns false once the walk should stop.
func (c *configWalk) walk(x reflect.Value, depth int, path string) bool {
	for x.Kind() == reflect.Interface || x.Kind() == reflect.Pointer {
		if x.IsNil() {
			return c.count()
		}
		x = x.Elem()
	}
	if !c.count() {
		return false
	}
	switch x.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
	default:
		return true
	}
	if x.Kind() == reflect.Slice && x.Type().Elem().Kind() == reflect.Uint8 {
		return true // []byte from msgpack: a scalar
	}
	if depth > c.limits.MaxConfigDepth {
		c.tooDeep = path
		return false
	}
	if x.Kind() != reflect.Map {
		for i := 0; i < x.Len(); i++ {
			if !c.walk(x.Index(i), depth+1, path+"["+strconv.Itoa(i)+"]") {
				return false
			}
		}
		return true
	}
	keys := x.MapKeys()
	sort.Slice(keys, func(a, b int) bool { return fmt.Sprint(keys[a]) < fmt.Sprint(keys[b]) })
	for _, k := range keys {
		name := fmt.Sprint(k)
		if len(name) > c.limits.MaxMapKeyBytes {
			if c.longKey == "" {
				c.longKey = path
			}
			name = name[:c.limits.MaxMapKeyBytes] + "..."
		}
		if !c.walk(x.MapIndex(k), depth+1, path+"."+name) {
			return false
		}
	}
	return true
}

// count counts one value and reports whether the walk may go on.
func (c *configWalk) count() bool {
	c.values++
	return c.values <= c.limits.MaxConfigValues
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
