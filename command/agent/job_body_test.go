package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestJobs_JSONJobGetsNomadsDefaults: a JSON job that leaves out a
// group's Count or a vault block's Env and ChangeMode is stored with
// Nomad's defaults (1, true, "restart"), as the same job written in HCL
// is; values the body gives, false and 0 included, are kept.
func TestJobs_JSONJobGetsNomadsDefaults(t *testing.T) {
	a := newTestAPI(t)
	job := testJob("vaulted")
	tg := job["TaskGroups"].([]map[string]interface{})[0]
	delete(tg, "Count")
	server := tg["Tasks"].([]map[string]interface{})[0]
	tg["Tasks"] = []map[string]interface{}{
		server,
		{"Name": "omitted", "Driver": "mock", "Vault": map[string]interface{}{"Policies": []string{"p"}}},
		{"Name": "null", "Driver": "mock", "Vault": map[string]interface{}{"Env": nil}},
		{"Name": "off", "Driver": "mock", "Vault": map[string]interface{}{"Env": false, "ChangeMode": "noop"}},
		{"Name": "lower", "Driver": "mock", "Vault": map[string]interface{}{"env": false}},
	}
	second := map[string]interface{}{"Name": "zero", "Count": 0, "Tasks": []map[string]interface{}{
		{"Name": "t", "Driver": "mock", "Vault": map[string]interface{}{}}}}
	job["TaskGroups"] = []map[string]interface{}{tg, second}
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)

	var got structs.Job
	a.do(t, "GET", "/v1/job/vaulted", nil).decode(t, &got)
	if len(got.TaskGroups) != 2 || len(got.TaskGroups[0].Tasks) != 5 {
		t.Fatalf("job = %+v", got)
	}
	if c0, c1 := got.TaskGroups[0].Count, got.TaskGroups[1].Count; c0 != 1 || c1 != 0 {
		t.Fatalf("counts = %d, %d; want 1 (left out) and 0 (given)", c0, c1)
	}
	for _, c := range []struct {
		group, task int
		env         bool
		mode        string
	}{
		{0, 1, true, "restart"},
		{0, 2, true, "restart"},
		{0, 3, false, "noop"},
		{0, 4, false, "restart"},
		{1, 0, true, "restart"},
	} {
		task := got.TaskGroups[c.group].Tasks[c.task]
		if task.Vault == nil {
			t.Fatalf("task %q lost its vault block", task.Name)
		}
		if task.Vault.Env != c.env || task.Vault.ChangeMode != c.mode {
			t.Errorf("task %q: vault Env = %v, ChangeMode = %q; want %v, %q", task.Name, task.Vault.Env, task.Vault.ChangeMode, c.env, c.mode)
		}
	}
	if got.TaskGroups[0].Tasks[0].Vault != nil {
		t.Errorf("a task without a vault block got one: %+v", got.TaskGroups[0].Tasks[0].Vault)
	}
}
