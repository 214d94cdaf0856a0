package structs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func diffTestJob() *Job {
	j := &Job{
		ID: "web", Name: "web", Type: JobTypeService, Datacenters: []string{"dc1"},
		Meta: map[string]string{"owner": "ops"},
		TaskGroups: []*TaskGroup{{
			Name: "cache", Count: 2,
			Networks: []*NetworkResource{{Mode: "bridge", DynamicPorts: []Port{{Label: "db", To: 6379}}}},
			Tasks: []*Task{{
				Name: "redis", Driver: "docker",
				Config:    map[string]interface{}{"image": "redis:7", "args": []interface{}{"--appendonly", "yes"}},
				Env:       map[string]string{"A": "1"},
				Meta:      map[string]string{"team": "cache"},
				Resources: &Resources{CPU: 100, MemoryMB: 256},
			}},
		}},
	}
	j.Canonicalize()
	return j
}

// flat renders a diff as one line per change, for readable assertions.
func flat(d *JobDiff) string {
	var b strings.Builder
	var fields func(prefix string, fs []*FieldDiff)
	var objects func(prefix string, os []*ObjectDiff)
	fields = func(prefix string, fs []*FieldDiff) {
		for _, f := range fs {
			b.WriteString(prefix + f.Type + " " + f.Name + " " + f.Old + " -> " + f.New)
			if len(f.Annotations) > 0 {
				b.WriteString(" (" + strings.Join(f.Annotations, ", ") + ")")
			}
			b.WriteString("\n")
		}
	}
	objects = func(prefix string, os []*ObjectDiff) {
		for _, o := range os {
			b.WriteString(prefix + o.Type + " " + o.Name + "\n")
			fields(prefix+"  ", o.Fields)
			objects(prefix+"  ", o.Objects)
		}
	}
	b.WriteString("job " + d.Type + "\n")
	fields("  ", d.Fields)
	objects("  ", d.Objects)
	for _, g := range d.TaskGroups {
		b.WriteString("  group " + g.Name + " " + g.Type + "\n")
		fields("    ", g.Fields)
		objects("    ", g.Objects)
		for _, t := range g.Tasks {
			b.WriteString("    task " + t.Name + " " + t.Type + " [" + strings.Join(t.Annotations, ", ") + "]\n")
			fields("      ", t.Fields)
			objects("      ", t.Objects)
		}
	}
	return b.String()
}

func TestDiff_Identical(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.Version, b.JobModifyIndex, b.SubmitTime, b.Status = 3, 99, 12345, JobStatusRunning
	d, err := a.Diff(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != DiffTypeNone || len(d.Fields) != 0 || len(d.Objects) != 0 {
		t.Fatalf("diff of identical jobs:\n%s", flat(d))
	}
	if len(d.TaskGroups) != 1 || d.TaskGroups[0].Type != DiffTypeNone || len(d.TaskGroups[0].Tasks) != 0 {
		t.Fatalf("groups:\n%s", flat(d))
	}
	// Contextual: still no change anywhere.
	d, _ = a.Diff(b, true)
	if d.Type != DiffTypeNone || d.TaskGroups[0].Type != DiffTypeNone {
		t.Fatalf("contextual diff of identical jobs:\n%s", flat(d))
	}
}

func TestDiff_DifferentIDs(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.ID = "api"
	if _, err := a.Diff(b, false); err == nil || !strings.Contains(err.Error(), "only versions of one job") {
		t.Fatalf("err = %v", err)
	}
}

func TestDiff_FieldsMapsConfigAndAnnotations(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.Priority = 70
	b.Meta["owner"] = "web-team"
	b.Meta["tier"] = "1"
	b.Datacenters = []string{"dc1", "dc2"}
	g := b.TaskGroups[0]
	g.Count = 3
	task := g.Tasks[0]
	task.Config["image"] = "redis:7.2"
	task.Resources.MemoryMB = 512

	d, err := a.Diff(b, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `job Edited
  Edited Meta[owner] ops -> web-team
  Added Meta[tier]  -> 1
  Edited Priority 50 -> 70
  Edited Datacenters
    Added Datacenters  -> dc2
  group cache Edited
    Edited Count 2 -> 3 (forces create)
    task redis Edited [forces create/destroy update]
      Edited Config[image] redis:7 -> redis:7.2
      Edited Resources
        Edited MemoryMB 256 -> 512
`
	if got := flat(d); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if k := d.TaskGroups[0].UpdateKind(); k != UpdateTypeDestructiveUpdate {
		t.Fatalf("update kind = %q", k)
	}
	if !d.JobFieldsChanged() {
		t.Fatal("job fields changed not reported")
	}
}

func TestDiff_InPlaceTaskChange(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.TaskGroups[0].Tasks[0].Meta["team"] = "platform"
	b.TaskGroups[0].Tasks[0].KillTimeout = 30 * time.Second
	d, err := a.Diff(b, false)
	if err != nil {
		t.Fatal(err)
	}
	task := d.TaskGroups[0].Tasks[0]
	if len(task.Annotations) != 1 || task.Annotations[0] != AnnotationForcesInplaceUpdate {
		t.Fatalf("annotations = %v\n%s", task.Annotations, flat(d))
	}
	if k := d.TaskGroups[0].UpdateKind(); k != UpdateTypeInplaceUpdate {
		t.Fatalf("update kind = %q", k)
	}
	if d.JobFieldsChanged() {
		t.Fatal("job fields reported changed")
	}
}

func TestDiff_CountOnlyIsNoUpdate(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.TaskGroups[0].Count = 1
	d, _ := a.Diff(b, false)
	g := d.TaskGroups[0]
	if g.Type != DiffTypeEdited || g.UpdateKind() != "" || len(g.Fields) != 1 || g.Fields[0].Annotations[0] != AnnotationForcesDestroy {
		t.Fatalf("count-only diff:\n%s", flat(d))
	}
}

func TestDiff_GroupsAndTasksAddedDeleted(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	extra := &Task{Name: "sidecar", Driver: "wasm", Config: map[string]interface{}{"module": "s.wasm"}}
	b.TaskGroups[0].Tasks = append(b.TaskGroups[0].Tasks, extra)
	b.TaskGroups = append(b.TaskGroups, &TaskGroup{Name: "api", Count: 1, Tasks: []*Task{{Name: "srv", Driver: "mock"}}})
	d, err := a.Diff(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TaskGroups) != 2 || d.TaskGroups[0].Name != "api" || d.TaskGroups[1].Name != "cache" {
		t.Fatalf("groups not sorted by name:\n%s", flat(d))
	}
	api := d.TaskGroups[0]
	if api.Type != DiffTypeAdded || len(api.Tasks) != 1 || api.Tasks[0].Annotations[0] != AnnotationForcesCreate {
		t.Fatalf("added group:\n%s", flat(d))
	}
	cache := d.TaskGroups[1]
	if len(cache.Tasks) != 1 || cache.Tasks[0].Name != "sidecar" || cache.Tasks[0].Type != DiffTypeAdded ||
		cache.Tasks[0].Annotations[0] != AnnotationForcesDestructiveUpdate {
		t.Fatalf("added task:\n%s", flat(d))
	}
	if cache.UpdateKind() != UpdateTypeDestructiveUpdate {
		t.Fatalf("adding a task is destructive")
	}
	// Reversed: the group and task are deleted.
	r, _ := b.Diff(a, false)
	if r.TaskGroups[0].Type != DiffTypeDeleted || r.TaskGroups[1].Tasks[0].Type != DiffTypeDeleted {
		t.Fatalf("reverse:\n%s", flat(r))
	}
}

func TestDiff_NetworkPortsAndNewObjects(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.TaskGroups[0].Networks[0].DynamicPorts[0].To = 6380
	b.TaskGroups[0].Constraints = []*Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "="}}
	d, _ := a.Diff(b, false)
	got := flat(d)
	for _, want := range []string{
		"    Added Constraint\n      Added LTarget  -> ${attr.kernel.name}\n      Added Operand  -> =\n      Added RTarget  -> linux\n",
		"    Edited Network\n      Edited Dynamic Port\n        Edited To 6379 -> 6380\n",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("diff lacks %q:\n%s", want, got)
		}
	}
	if d.TaskGroups[0].UpdateKind() != UpdateTypeDestructiveUpdate {
		t.Fatal("a network change is destructive")
	}
}

func TestDiff_AddedAndDeletedJob(t *testing.T) {
	b := diffTestJob()
	d, err := (*Job)(nil).Diff(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != DiffTypeAdded || d.ID != "web" || d.TaskGroups[0].Type != DiffTypeAdded {
		t.Fatalf("added:\n%s", flat(d))
	}
	d, _ = b.Diff(nil, false)
	if d.Type != DiffTypeDeleted || d.TaskGroups[0].Type != DiffTypeDeleted {
		t.Fatalf("deleted:\n%s", flat(d))
	}
}

func TestDiff_ContextualIncludesUnchangedFields(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.TaskGroups[0].Tasks[0].Resources.CPU = 200
	d, _ := a.Diff(b, true)
	res := d.TaskGroups[0].Tasks[0].Objects[0]
	var none, edited int
	for _, f := range res.Fields {
		switch f.Type {
		case DiffTypeNone:
			none++
		case DiffTypeEdited:
			edited++
		}
	}
	if res.Name != "Resources" || edited != 1 || none == 0 {
		t.Fatalf("contextual resources: %+v", res.Fields)
	}
	if len(d.Fields) == 0 {
		t.Fatal("contextual diff shows no job fields")
	}
	// Unchanged objects stay out even when contextual.
	for _, o := range d.Objects {
		t.Fatalf("unchanged job object %q in contextual diff", o.Name)
	}
}

func TestDiff_DeterministicJSON(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	b.Meta = map[string]string{"z": "1", "a": "2", "m": "3"}
	b.TaskGroups[0].Tasks[0].Env = map[string]string{"Z": "1", "B": "2", "K": "3"}
	b.TaskGroups[0].Tasks[0].Config["ports"] = []interface{}{"db", "admin"}
	first, _ := a.Diff(b, true)
	want, _ := json.Marshal(first)
	for i := 0; i < 20; i++ {
		d, _ := a.Diff(b, true)
		got, _ := json.Marshal(d)
		if string(got) != string(want) {
			t.Fatalf("diff %d differs:\n%s\n%s", i, got, want)
		}
	}
	if !strings.Contains(string(want), `"Name":"Config[ports][1]"`) {
		t.Fatalf("flattened config missing: %s", want)
	}
	for _, key := range []string{`"Type"`, `"TaskGroups"`, `"Tasks"`, `"Annotations"`, `"Updates"`} {
		if !strings.Contains(string(want), key) {
			t.Fatalf("JSON lacks %s: %s", key, want)
		}
	}
}
