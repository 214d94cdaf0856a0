package structs

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Diff types of JobDiff, TaskGroupDiff, TaskDiff, ObjectDiff and FieldDiff.
const (
	DiffTypeNone    = "None"
	DiffTypeAdded   = "Added"
	DiffTypeDeleted = "Deleted"
	DiffTypeEdited  = "Edited"
)

// Annotations say what a change does to running allocations. They are put
// on the Count field of a group and on task diffs.
const (
	AnnotationForcesCreate            = "forces create"
	AnnotationForcesDestroy           = "forces destroy"
	AnnotationForcesInplaceUpdate     = "forces in-place update"
	AnnotationForcesDestructiveUpdate = "forces create/destroy update"
)

// Update kinds: the keys of TaskGroupDiff.Updates, counting a group's
// allocations by what a plan would do with them.
const (
	UpdateTypeIgnore            = "ignore"
	UpdateTypeCreate            = "create"
	UpdateTypeDestroy           = "destroy"
	UpdateTypeMigrate           = "migrate"
	UpdateTypeCanary            = "canary"
	UpdateTypeInplaceUpdate     = "in-place update"
	UpdateTypeDestructiveUpdate = "create/destroy update"
)

// JobDiff is the structural difference between two versions of a job: the
// job's own fields and nested objects, then one entry per task group.
// Every list is sorted by name, so equal inputs give equal diffs.
type JobDiff struct {
	Type       string
	ID         string
	Fields     []*FieldDiff
	Objects    []*ObjectDiff
	TaskGroups []*TaskGroupDiff
}

// TaskGroupDiff is the difference of one task group. Updates is filled in
// by a plan: how many allocations each update kind would touch.
type TaskGroupDiff struct {
	Type    string
	Name    string
	Fields  []*FieldDiff
	Objects []*ObjectDiff
	Tasks   []*TaskDiff
	Updates map[string]uint64
}

// TaskDiff is the difference of one task; Annotations say whether the
// change replaces the task's allocations or updates them in place.
type TaskDiff struct {
	Type        string
	Name        string
	Fields      []*FieldDiff
	Objects     []*ObjectDiff
	Annotations []string
}

// ObjectDiff is the difference of a nested object, such as Resources, a
// Constraint or one entry of a map of objects ("Volumes[data]").
type ObjectDiff struct {
	Type    string
	Name    string
	Fields  []*FieldDiff
	Objects []*ObjectDiff
}

// FieldDiff is one changed value. Name is the Go/JSON field name; map
// entries are named "Meta[owner]", and a driver's free-form config is
// flattened to "Config[ports][0]". Durations are shown as Go and Nomad
// print them ("3m0s"), not in the nanoseconds the JSON API carries: a
// diff is read by people, and time.ParseDuration reads the form back.
type FieldDiff struct {
	Type        string
	Name        string
	Old, New    string
	Annotations []string
}

// Which changes replace allocations and which update them in place.
//
// The rule: a task change is destructive when it touches what the driver
// started the task with — Driver, User, Config, Env, Resources,
// Artifacts, Templates, VolumeMounts, Lifecycle, Leader or LogConfig — and
// in place otherwise (Meta, KillTimeout, KillSignal, Services,
// Constraints, Affinities, RestartPolicy). A group change is destructive
// when it adds, removes or destructively changes a task, or changes the
// group's Networks, EphemeralDisk or Volumes; any other change except
// Count is in place. Count alone creates or destroys allocations and
// updates none.
var (
	destructiveTaskFields = map[string]bool{
		"Driver": true, "User": true, "Config": true, "Env": true, "Resources": true,
		"Artifact": true, "Template": true, "VolumeMount": true, "Lifecycle": true,
		"Leader": true, "LogConfig": true,
	}
	destructiveGroupFields = map[string]bool{
		"Network": true, "EphemeralDisk": true, "Volumes": true,
	}
)

// Fields not diffed: bookkeeping the server keeps, and children diffed on
// their own.
var (
	jobDiffSkip = map[string]bool{
		"ID": true, "TaskGroups": true, "Status": true, "StatusDescription": true, "Stable": true,
		"Version": true, "SubmitTime": true, "CreateIndex": true, "ModifyIndex": true, "JobModifyIndex": true,
	}
	groupDiffSkip = map[string]bool{"Name": true, "Tasks": true}
	taskDiffSkip  = map[string]bool{"Name": true}
)

// Diff returns the difference from j (the older version) to other (the
// newer). Either may be nil, giving an Added or Deleted diff. With
// contextual, unchanged fields of changed objects are included with type
// None, so a reader sees them in context. Jobs with different IDs cannot
// be diffed.
func (j *Job) Diff(other *Job, contextual bool) (*JobDiff, error) {
	if j != nil && other != nil && j.ID != other.ID {
		return nil, fmt.Errorf("diff job %q against job %q: only versions of one job can be diffed", j.ID, other.ID)
	}
	d := differ{contextual: contextual}
	out := &JobDiff{Type: DiffTypeNone}
	var oldGroups, newGroups []*TaskGroup
	switch {
	case j == nil && other == nil:
		return out, nil
	case j == nil:
		out.Type, out.ID, newGroups = DiffTypeAdded, other.ID, other.TaskGroups
	case other == nil:
		out.Type, out.ID, oldGroups = DiffTypeDeleted, j.ID, j.TaskGroups
	default:
		out.ID, oldGroups, newGroups = other.ID, j.TaskGroups, other.TaskGroups
	}
	out.Fields, out.Objects = d.structFields(structValue(j), structValue(other), jobDiffSkip)
	out.TaskGroups = d.taskGroups(oldGroups, newGroups)
	if out.Type == DiffTypeNone && (hasChanges(out.Fields, out.Objects) || groupsChanged(out.TaskGroups)) {
		out.Type = DiffTypeEdited
	}
	if out.Type == DiffTypeNone && !contextual {
		out.Fields = nil
	}
	return out, nil
}

// JobFieldsChanged reports whether the job's own fields or objects (not
// its groups) changed.
func (d *JobDiff) JobFieldsChanged() bool {
	return d != nil && hasChanges(d.Fields, d.Objects)
}

// UpdateKind says what an edited group's changes do to its existing
// allocations: UpdateTypeDestructiveUpdate, UpdateTypeInplaceUpdate, or ""
// when nothing but Count changed (or the group was added or deleted, which
// creates or destroys rather than updates).
func (g *TaskGroupDiff) UpdateKind() string {
	if g == nil || g.Type != DiffTypeEdited {
		return ""
	}
	inPlace := false
	for _, t := range g.Tasks {
		for _, a := range t.Annotations {
			switch a {
			case AnnotationForcesDestructiveUpdate:
				return UpdateTypeDestructiveUpdate
			case AnnotationForcesInplaceUpdate:
				inPlace = true
			}
		}
	}
	for _, f := range g.Fields {
		if f.Type == DiffTypeNone || f.Name == "Count" {
			continue
		}
		if destructiveGroupFields[baseName(f.Name)] {
			return UpdateTypeDestructiveUpdate
		}
		inPlace = true
	}
	for _, o := range g.Objects {
		if destructiveGroupFields[baseName(o.Name)] {
			return UpdateTypeDestructiveUpdate
		}
		inPlace = true
	}
	if inPlace {
		return UpdateTypeInplaceUpdate
	}
	return ""
}

func tasksChanged(tasks []*TaskDiff) bool {
	for _, t := range tasks {
		if t.Type != DiffTypeNone {
			return true
		}
	}
	return false
}

func groupsChanged(groups []*TaskGroupDiff) bool {
	for _, g := range groups {
		if g.Type != DiffTypeNone {
			return true
		}
	}
	return false
}

// differ holds the options of one diff.
type differ struct {
	contextual bool
}

func (d differ) taskGroups(old, new []*TaskGroup) []*TaskGroupDiff {
	olds := map[string]*TaskGroup{}
	news := map[string]*TaskGroup{}
	var names []string
	for _, tg := range old {
		if tg != nil {
			olds[tg.Name] = tg
			names = append(names, tg.Name)
		}
	}
	for _, tg := range new {
		if tg != nil {
			if _, ok := olds[tg.Name]; !ok {
				names = append(names, tg.Name)
			}
			news[tg.Name] = tg
		}
	}
	sort.Strings(names)
	out := make([]*TaskGroupDiff, 0, len(names))
	for _, name := range names {
		out = append(out, d.taskGroup(name, olds[name], news[name]))
	}
	return out
}

func (d differ) taskGroup(name string, old, new *TaskGroup) *TaskGroupDiff {
	out := &TaskGroupDiff{Type: DiffTypeEdited, Name: name}
	var oldTasks, newTasks []*Task
	switch {
	case old == nil:
		out.Type, newTasks = DiffTypeAdded, new.Tasks
	case new == nil:
		out.Type, oldTasks = DiffTypeDeleted, old.Tasks
	default:
		oldTasks, newTasks = old.Tasks, new.Tasks
	}
	out.Fields, out.Objects = d.structFields(structValue(old), structValue(new), groupDiffSkip)
	out.Tasks = d.tasks(out.Type, oldTasks, newTasks)
	if out.Type == DiffTypeEdited && !hasChanges(out.Fields, out.Objects) && !tasksChanged(out.Tasks) {
		out.Type = DiffTypeNone
		out.Fields = nil
	}
	if out.Type == DiffTypeNone {
		out.Tasks = nil
	}
	for _, f := range out.Fields {
		if f.Name != "Count" || f.Type != DiffTypeEdited {
			continue
		}
		o, _ := strconv.Atoi(f.Old)
		n, _ := strconv.Atoi(f.New)
		if n > o {
			f.Annotations = []string{AnnotationForcesCreate}
		} else if n < o {
			f.Annotations = []string{AnnotationForcesDestroy}
		}
	}
	return out
}

// tasks diffs a group's tasks; unchanged ones appear only when contextual.
func (d differ) tasks(groupType string, old, new []*Task) []*TaskDiff {
	olds := map[string]*Task{}
	news := map[string]*Task{}
	var names []string
	for _, t := range old {
		if t != nil {
			olds[t.Name] = t
			names = append(names, t.Name)
		}
	}
	for _, t := range new {
		if t != nil {
			if _, ok := olds[t.Name]; !ok {
				names = append(names, t.Name)
			}
			news[t.Name] = t
		}
	}
	sort.Strings(names)
	var out []*TaskDiff
	for _, name := range names {
		o, n := olds[name], news[name]
		td := &TaskDiff{Type: DiffTypeEdited, Name: name}
		switch {
		case o == nil:
			td.Type = DiffTypeAdded
		case n == nil:
			td.Type = DiffTypeDeleted
		}
		td.Fields, td.Objects = d.structFields(structValue(o), structValue(n), taskDiffSkip)
		if td.Type == DiffTypeEdited && !hasChanges(td.Fields, td.Objects) {
			if !d.contextual {
				continue
			}
			td.Type = DiffTypeNone
		}
		td.Annotations = taskAnnotations(groupType, td)
		out = append(out, td)
	}
	return out
}

// taskAnnotations applies the destructive/in-place rule documented above.
func taskAnnotations(groupType string, td *TaskDiff) []string {
	switch {
	case groupType == DiffTypeAdded:
		return []string{AnnotationForcesCreate}
	case groupType == DiffTypeDeleted:
		return []string{AnnotationForcesDestroy}
	case td.Type == DiffTypeAdded || td.Type == DiffTypeDeleted:
		return []string{AnnotationForcesDestructiveUpdate}
	case td.Type == DiffTypeNone:
		return nil
	}
	for _, f := range td.Fields {
		if f.Type != DiffTypeNone && destructiveTaskFields[baseName(f.Name)] {
			return []string{AnnotationForcesDestructiveUpdate}
		}
	}
	for _, o := range td.Objects {
		if destructiveTaskFields[baseName(o.Name)] {
			return []string{AnnotationForcesDestructiveUpdate}
		}
	}
	return []string{AnnotationForcesInplaceUpdate}
}

// baseName strips a map key or index: "Meta[owner]" -> "Meta".
func baseName(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		return name[:i]
	}
	return name
}

func hasChanges(fields []*FieldDiff, objects []*ObjectDiff) bool {
	if len(objects) > 0 {
		return true
	}
	for _, f := range fields {
		if f.Type != DiffTypeNone {
			return true
		}
	}
	return false
}

var durationType = reflect.TypeOf(time.Duration(0))

// structValue returns the struct behind p, or an invalid Value for nil.
func structValue(p interface{}) reflect.Value {
	v := reflect.ValueOf(p)
	return deref(v)
}

// deref follows pointers and interfaces; nil gives an invalid Value.
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Ptr || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// structFields diffs the exported fields of two struct values of one type
// (either may be invalid, meaning absent).
func (d differ) structFields(old, new reflect.Value, skip map[string]bool) ([]*FieldDiff, []*ObjectDiff) {
	var t reflect.Type
	switch {
	case old.IsValid():
		t = old.Type()
	case new.IsValid():
		t = new.Type()
	default:
		return nil, nil
	}
	var fields []*FieldDiff
	var objects []*ObjectDiff
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || skip[f.Name] {
			continue
		}
		var ov, nv reflect.Value
		if old.IsValid() {
			ov = old.Field(i)
		}
		if new.IsValid() {
			nv = new.Field(i)
		}
		fs, os := d.value(f.Name, f.Type, ov, nv)
		fields = append(fields, fs...)
		objects = append(objects, os...)
	}
	sort.SliceStable(fields, func(a, b int) bool { return fields[a].Name < fields[b].Name })
	sort.SliceStable(objects, func(a, b int) bool { return objects[a].Name < objects[b].Name })
	return fields, objects
}

// value diffs one field of type t.
func (d differ) value(name string, t reflect.Type, ov, nv reflect.Value) ([]*FieldDiff, []*ObjectDiff) {
	elem := t
	if elem.Kind() == reflect.Ptr {
		elem = elem.Elem()
	}
	switch {
	case isPrimitive(elem):
		return d.field(name, format(deref(ov)), format(deref(nv))), nil
	case elem.Kind() == reflect.Struct:
		if o := d.object(name, deref(ov), deref(nv)); o != nil {
			return nil, []*ObjectDiff{o}
		}
		return nil, nil
	case elem.Kind() == reflect.Slice && elem.Elem().Kind() == reflect.Uint8:
		return d.field(name, formatBytes(ov), formatBytes(nv)), nil
	case elem.Kind() == reflect.Slice && isPrimitive(elem.Elem()):
		if o := d.primitiveSet(name, deref(ov), deref(nv)); o != nil {
			return nil, []*ObjectDiff{o}
		}
		return nil, nil
	case elem.Kind() == reflect.Slice:
		return nil, d.objectList(singular(name), deref(ov), deref(nv))
	case elem.Kind() == reflect.Map && elem.Key().Kind() == reflect.String:
		vt := elem.Elem()
		if vt.Kind() == reflect.Ptr {
			vt = vt.Elem()
		}
		if vt.Kind() == reflect.Struct {
			return nil, d.objectMap(name, deref(ov), deref(nv))
		}
		olds, news := map[string]string{}, map[string]string{}
		flatten(name, deref(ov), olds)
		flatten(name, deref(nv), news)
		return d.flatFields(olds, news), nil
	}
	return nil, nil
}

// field builds a FieldDiff; unchanged fields only when contextual and not
// empty on both sides.
func (d differ) field(name, old, new string) []*FieldDiff {
	f := &FieldDiff{Name: name, Old: old, New: new}
	switch {
	case old == new:
		if !d.contextual || old == "" {
			return nil
		}
		f.Type = DiffTypeNone
	case old == "":
		f.Type = DiffTypeAdded
	case new == "":
		f.Type = DiffTypeDeleted
	default:
		f.Type = DiffTypeEdited
	}
	return []*FieldDiff{f}
}

func (d differ) flatFields(olds, news map[string]string) []*FieldDiff {
	keys := make([]string, 0, len(olds)+len(news))
	for k := range olds {
		keys = append(keys, k)
	}
	for k := range news {
		if _, ok := olds[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []*FieldDiff
	for _, k := range keys {
		out = append(out, d.field(k, olds[k], news[k])...)
	}
	return out
}

// object diffs two struct values; nil when neither exists or nothing
// changed.
func (d differ) object(name string, old, new reflect.Value) *ObjectDiff {
	if !old.IsValid() && !new.IsValid() {
		return nil
	}
	o := &ObjectDiff{Type: DiffTypeEdited, Name: name}
	switch {
	case !old.IsValid():
		o.Type = DiffTypeAdded
	case !new.IsValid():
		o.Type = DiffTypeDeleted
	}
	o.Fields, o.Objects = d.structFields(old, new, nil)
	if o.Type == DiffTypeEdited && !hasChanges(o.Fields, o.Objects) {
		return nil
	}
	return o
}

// primitiveSet diffs a list of plain values (Datacenters, Specs) as a
// set: one Added or Deleted field per value, named like the list.
func (d differ) primitiveSet(name string, old, new reflect.Value) *ObjectDiff {
	olds, news := primitiveList(old), primitiveList(new)
	inOld, inNew := map[string]bool{}, map[string]bool{}
	for _, s := range olds {
		inOld[s] = true
	}
	for _, s := range news {
		inNew[s] = true
	}
	var fields []*FieldDiff
	for _, s := range olds {
		if !inNew[s] {
			fields = append(fields, &FieldDiff{Type: DiffTypeDeleted, Name: name, Old: s})
		} else if d.contextual {
			fields = append(fields, &FieldDiff{Type: DiffTypeNone, Name: name, Old: s, New: s})
		}
	}
	for _, s := range news {
		if !inOld[s] {
			fields = append(fields, &FieldDiff{Type: DiffTypeAdded, Name: name, New: s})
		}
	}
	if !hasChanges(fields, nil) {
		return nil
	}
	sort.SliceStable(fields, func(a, b int) bool {
		return fields[a].Old+fields[a].New < fields[b].Old+fields[b].New
	})
	o := &ObjectDiff{Type: DiffTypeEdited, Name: name, Fields: fields}
	switch {
	case len(olds) == 0:
		o.Type = DiffTypeAdded
	case len(news) == 0:
		o.Type = DiffTypeDeleted
	}
	return o
}

func primitiveList(v reflect.Value) []string {
	if !v.IsValid() {
		return nil
	}
	out := make([]string, 0, v.Len())
	for i := 0; i < v.Len(); i++ {
		out = append(out, format(v.Index(i)))
	}
	return out
}

// objectList diffs a list of objects. Elements are matched by their Name
// or Label when every element has one (services, ports), as the only
// element when both lists have one (the usual single network), and
// otherwise as a set: equal elements are unchanged, the rest are Deleted
// and Added.
func (d differ) objectList(name string, old, new reflect.Value) []*ObjectDiff {
	olds, news := objectElems(old), objectElems(new)
	var out []*ObjectDiff
	if len(olds) == 1 && len(news) == 1 {
		if o := d.object(name, olds[0], news[0]); o != nil {
			out = append(out, o)
		}
		return out
	}
	if oldKeys, newKeys, ok := elemKeys(olds, news); ok {
		byKey := map[string]reflect.Value{}
		for i, k := range oldKeys {
			byKey[k] = olds[i]
		}
		seen := map[string]bool{}
		for i, k := range newKeys {
			seen[k] = true
			if o := d.object(name, byKey[k], news[i]); o != nil {
				out = append(out, o)
			}
		}
		for i, k := range oldKeys {
			if !seen[k] {
				out = append(out, d.object(name, olds[i], reflect.Value{}))
			}
		}
		return out
	}
	matched := make([]bool, len(news))
	for _, o := range olds {
		found := false
		for i, n := range news {
			if !matched[i] && reflect.DeepEqual(o.Interface(), n.Interface()) {
				matched[i], found = true, true
				break
			}
		}
		if !found {
			out = append(out, d.object(name, o, reflect.Value{}))
		}
	}
	for i, n := range news {
		if !matched[i] {
			out = append(out, d.object(name, reflect.Value{}, n))
		}
	}
	return out
}

// objectMap diffs a map of objects by key, naming each "Field[key]".
func (d differ) objectMap(name string, old, new reflect.Value) []*ObjectDiff {
	keys := map[string]bool{}
	for _, m := range []reflect.Value{old, new} {
		if m.IsValid() {
			for _, k := range m.MapKeys() {
				keys[k.String()] = true
			}
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []*ObjectDiff
	for _, k := range sorted {
		var ov, nv reflect.Value
		if old.IsValid() {
			ov = deref(old.MapIndex(reflect.ValueOf(k)))
		}
		if new.IsValid() {
			nv = deref(new.MapIndex(reflect.ValueOf(k)))
		}
		if o := d.object(name+"["+k+"]", ov, nv); o != nil {
			out = append(out, o)
		}
	}
	return out
}

func objectElems(v reflect.Value) []reflect.Value {
	if !v.IsValid() {
		return nil
	}
	var out []reflect.Value
	for i := 0; i < v.Len(); i++ {
		if e := deref(v.Index(i)); e.IsValid() {
			out = append(out, e)
		}
	}
	return out
}

// elemKeys returns each element's Name or Label, when all have a distinct
// non-empty one.
func elemKeys(olds, news []reflect.Value) ([]string, []string, bool) {
	for _, field := range []string{"Name", "Label"} {
		ok := true
		keysOf := func(list []reflect.Value) []string {
			seen := map[string]bool{}
			var keys []string
			for _, e := range list {
				f := e.FieldByName(field)
				if !f.IsValid() || f.Kind() != reflect.String || f.String() == "" || seen[f.String()] {
					ok = false
					return nil
				}
				seen[f.String()] = true
				keys = append(keys, f.String())
			}
			return keys
		}
		o, n := keysOf(olds), keysOf(news)
		if ok {
			return o, n, true
		}
	}
	return nil, nil, false
}

// singular names one element of a list field: "Constraints" ->
// "Constraint", "ReservedPorts" -> "Static Port".
func singular(name string) string {
	switch name {
	case "ReservedPorts":
		return "Static Port"
	case "DynamicPorts":
		return "Dynamic Port"
	case "SpreadTarget":
		return name
	}
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "s"):
		return strings.TrimSuffix(name, "s")
	}
	return name
}

func isPrimitive(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// format renders a primitive; an absent value is "".
func format(v reflect.Value) string {
	if !v.IsValid() {
		return ""
	}
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return fmt.Sprint(v.Interface())
}

func formatBytes(v reflect.Value) string {
	v = deref(v)
	if !v.IsValid() || v.Len() == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(v.Bytes())
}

// flatten turns a map (string-valued or free-form, like a driver config)
// into "prefix[key]" / "prefix[key][0]" entries.
func flatten(prefix string, v reflect.Value, out map[string]string) {
	v = deref(v)
	if !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Map:
		for _, k := range v.MapKeys() {
			flatten(prefix+"["+fmt.Sprint(k.Interface())+"]", v.MapIndex(k), out)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			out[prefix] = formatBytes(v)
			return
		}
		for i := 0; i < v.Len(); i++ {
			flatten(prefix+"["+strconv.Itoa(i)+"]", v.Index(i), out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				flatten(prefix+"["+v.Type().Field(i).Name+"]", v.Field(i), out)
			}
		}
	default:
		out[prefix] = format(v)
	}
}
