package taskenv

import (
	"reflect"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testParams() Params {
	task := &structs.Task{
		Name:      "server",
		Driver:    "mock",
		Resources: &structs.Resources{CPU: 100, MemoryMB: 64},
		Meta:      map[string]string{"owner": "task", "Tier": "gold"},
		Env: map[string]string{
			"BIND":      "${NOMAD_IP_http}:${NOMAD_PORT_http}",
			"DC_MSG":    "dc=${node.datacenter} kernel=${attr.kernel.name}",
			"UNTOUCHED": "${NOPE} ${env.HOME}",
		},
	}
	job := &structs.Job{
		ID: "web-1", Name: "web", ParentID: "web", Namespace: "prod", Region: "eu", Type: structs.JobTypeService,
		Meta: map[string]string{"owner": "job", "team": "infra"},
		TaskGroups: []*structs.TaskGroup{{
			Name: "api", Meta: map[string]string{"owner": "group", "rack-id": "r1"}, Tasks: []*structs.Task{task},
		}},
	}
	alloc := &structs.Allocation{
		ID:        "0123456789abcdef-0000",
		Namespace: "prod",
		Name:      "web.api[3]",
		JobID:     "web-1",
		Job:       job,
		TaskGroup: "api",
		AllocatedResources: &structs.AllocatedResources{
			Tasks: map[string]*structs.AllocatedTaskResources{
				"server": {
					Cpu:    structs.AllocatedCpuResources{CpuShares: 500, ReservedCores: []uint16{14, 0, 2, 1, 7, 12, 13}},
					Memory: structs.AllocatedMemoryResources{MemoryMB: 256, MemoryMaxMB: 512},
					Networks: []*structs.NetworkResource{{
						IP: "10.0.0.9", ReservedPorts: []structs.Port{{Label: "task-only", Value: 7000}},
					}},
				},
			},
			Shared: structs.AllocatedSharedResources{
				Networks: []*structs.NetworkResource{{
					IP:           "10.0.0.2",
					DynamicPorts: []structs.Port{{Label: "http", Value: 1}, {Label: "grpc", Value: 23456}},
				}},
				Ports: []structs.AllocatedPortMapping{
					{Label: "http", Value: 25000, To: 8080, HostIP: "10.0.0.1"},
					{Label: "admin-ui", Value: 25001, HostIP: "10.0.0.1"},
				},
			},
		},
	}
	node := &structs.Node{
		ID: "node-id", Name: "node-a", Datacenter: "dc1", NodeClass: "big", NodePool: "default",
		Attributes: map[string]string{"kernel.name": "linux", "cpu.arch": "amd64"},
		Meta:       map[string]string{"rack": "r7"},
	}
	return Params{
		Node: node, Alloc: alloc, Task: task, Region: "global",
		TaskDir: plugin.TaskDir{
			Dir: "/d/a/server", LocalDir: "/d/a/server/local", SecretsDir: "/d/a/server/secrets",
			TmpDir: "/d/a/server/tmp", SharedAllocDir: "/d/a/alloc", LogDir: "/d/a/alloc/logs",
		},
		FSIsolation: "none",
	}
}

func checkVars(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %q (set %v), want %q", k, g, ok, v)
		}
	}
}

func TestIdentityVars(t *testing.T) {
	m := New(testParams()).Map()
	checkVars(t, m, map[string]string{
		"NOMAD_ALLOC_ID":       "0123456789abcdef-0000",
		"NOMAD_SHORT_ALLOC_ID": "01234567",
		"NOMAD_ALLOC_NAME":     "web.api[3]",
		"NOMAD_ALLOC_INDEX":    "3",
		"NOMAD_TASK_NAME":      "server",
		"NOMAD_GROUP_NAME":     "api",
		"NOMAD_JOB_ID":         "web-1",
		"NOMAD_JOB_NAME":       "web",
		"NOMAD_JOB_PARENT_ID":  "web",
		"NOMAD_NAMESPACE":      "prod",
		"NOMAD_REGION":         "global",
		"NOMAD_DC":             "dc1",
	})
	for k := range m {
		if len(k) > 11 && k[:11] == "NOMAD_NODE_" {
			t.Errorf("unexpected %s", k)
		}
	}
}

func TestRegionFallsBackToJob(t *testing.T) {
	p := testParams()
	p.Region = ""
	if got := New(p).Map()["NOMAD_REGION"]; got != "eu" {
		t.Fatalf("NOMAD_REGION = %q, want the job's", got)
	}
}

func TestAllocIndex(t *testing.T) {
	for name, want := range map[string]int{
		"web.api[0]":     0,
		"web.api[12]":    12,
		"my.job.v2.g[7]": 7,
		"odd[name].g[4]": 4,
		"web.api":        0,
		"web.api[x]":     0,
		"web.api[-1]":    0,
		"":               0,
	} {
		if got := allocIndex(name); got != want {
			t.Errorf("allocIndex(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestDirVars(t *testing.T) {
	p := testParams()
	checkVars(t, New(p).Map(), map[string]string{
		"NOMAD_ALLOC_DIR":   "/d/a/alloc",
		"NOMAD_TASK_DIR":    "/d/a/server/local",
		"NOMAD_SECRETS_DIR": "/d/a/server/secrets",
	})
	p.FSIsolation = "chroot"
	checkVars(t, New(p).Map(), map[string]string{
		"NOMAD_ALLOC_DIR":   "/alloc",
		"NOMAD_TASK_DIR":    "/local",
		"NOMAD_SECRETS_DIR": "/secrets",
	})
}

func TestResourceVars(t *testing.T) {
	p := testParams()
	checkVars(t, New(p).Map(), map[string]string{
		"NOMAD_CPU_LIMIT":        "500",
		"NOMAD_MEMORY_LIMIT":     "256",
		"NOMAD_MEMORY_MAX_LIMIT": "512",
		"NOMAD_CPU_CORES":        "0-2,7,12-14",
	})
	// Without allocated resources, the task's ask; no max, no cores.
	p.Alloc.AllocatedResources = nil
	m := New(p).Map()
	checkVars(t, m, map[string]string{"NOMAD_CPU_LIMIT": "100", "NOMAD_MEMORY_LIMIT": "64"})
	for _, k := range []string{"NOMAD_MEMORY_MAX_LIMIT", "NOMAD_CPU_CORES"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s set without a value", k)
		}
	}
}

func TestCpuset(t *testing.T) {
	for want, cores := range map[string][]uint16{
		"0":         {0},
		"0-3":       {3, 2, 1, 0},
		"1,3,5":     {5, 3, 1},
		"0-1,4-5,9": {9, 5, 4, 1, 0},
		"2-3":       {2, 3, 3},
	} {
		if got := cpuset(cores); got != want {
			t.Errorf("cpuset(%v) = %q, want %q", cores, got, want)
		}
	}
}

func TestMetaVars(t *testing.T) {
	checkVars(t, New(testParams()).Map(), map[string]string{
		"NOMAD_META_owner":   "task", // task beats group beats job
		"NOMAD_META_OWNER":   "task",
		"NOMAD_META_team":    "infra",
		"NOMAD_META_TEAM":    "infra",
		"NOMAD_META_rack_id": "r1", // cleaned
		"NOMAD_META_RACK_ID": "r1",
		"NOMAD_META_Tier":    "gold",
		"NOMAD_META_TIER":    "gold",
	})
}

func TestTaskEnvInterpolated(t *testing.T) {
	checkVars(t, New(testParams()).Map(), map[string]string{
		"BIND":      "10.0.0.1:8080",
		"DC_MSG":    "dc=dc1 kernel=linux",
		"UNTOUCHED": "${NOPE} ${env.HOME}",
	})
}

func TestTaskEnvOverridesAndMinimalParams(t *testing.T) {
	p := Params{Task: &structs.Task{Name: "t", Env: map[string]string{"NOMAD_TASK_NAME": "custom"}}}
	m := New(p).Map()
	if m["NOMAD_TASK_NAME"] != "custom" {
		t.Fatalf("task env did not override: %v", m)
	}
	if _, ok := m["NOMAD_ALLOC_DIR"]; ok {
		t.Fatal("NOMAD_ALLOC_DIR set without a task dir")
	}
}

func TestMapIsACopyAndWith(t *testing.T) {
	e := New(testParams())
	m := e.Map()
	m["NOMAD_TASK_NAME"] = "changed"
	if e.Map()["NOMAD_TASK_NAME"] != "server" {
		t.Fatal("Map shares its map")
	}
	e2 := e.With(map[string]string{"FROM_TEMPLATE": "${NOT_INTERPOLATED}", "NOMAD_TASK_NAME": "x"})
	if e.Map()["FROM_TEMPLATE"] != "" || e.Map()["NOMAD_TASK_NAME"] != "server" {
		t.Fatal("With changed the original")
	}
	want := e.Map()
	want["FROM_TEMPLATE"] = "${NOT_INTERPOLATED}"
	want["NOMAD_TASK_NAME"] = "x"
	if !reflect.DeepEqual(e2.Map(), want) {
		t.Fatalf("With = %v", e2.Map())
	}
	if got := e2.Replace("${FROM_TEMPLATE}/${node.unique.id}"); got != "${NOT_INTERPOLATED}/node-id" {
		t.Fatalf("Replace after With = %q", got)
	}
}
