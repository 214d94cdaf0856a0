package structs

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The blocks of job_blocks.go are refused with the job file's words when
// a value breaks one of their rules, and every problem is reported.
func TestValidateBlocksNamesTheBlock(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	task := job.TaskGroups[0].Tasks[0]
	task.Vault = &Vault{ChangeMode: "signal"}
	task.Identities = []*WorkloadIdentity{{Name: "vault_default", TTL: -time.Second}, {Name: "vault_default"}}
	task.CSIPluginConfig = &TaskCSIPluginConfig{ID: "p", Type: "sidecar"}
	task.Actions = []*Action{{Name: "bad name", Command: "/bin/true"}}
	task.Schedule = &TaskSchedule{Cron: &TaskScheduleCron{Start: "0 9 * * * *"}}
	task.VolumeMounts = nil
	job.TaskGroups[0].Volumes = map[string]*VolumeRequest{"data": {Name: "data", Type: VolumeTypeHost, Source: "d", AccessMode: "single-node-writer"}}

	err := job.Validate()
	if err == nil {
		t.Fatal("want problems")
	}
	msg := err.Error()
	for _, want := range []string{
		`vault > change_signal: required with change_mode = "signal"`,
		`identity "vault_default" > ttl: must not be negative`,
		`identity "vault_default" is declared twice`,
		`csi_plugin > type: unknown value "sidecar"; accepted: "controller", "node", "monolith"`,
		`"bad name" must be 1 to 128 letters, digits and dashes`,
		`schedule > cron > end: required`,
		`access_mode: applies to CSI volumes only; this volume is of type "host"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, `group "cache" > task "redis" > vault`) {
		t.Errorf("problems do not name the block as the job file writes it:\n%s", msg)
	}
}

// A job using every block of job_blocks.go validates, survives Copy (the
// msgpack round trip of a Raft entry) unchanged, and is bounded.
func TestBlocksCopyAndValidate(t *testing.T) {
	job := testJob()
	one := uint64(1)
	min := 5 * time.Second
	job.UI = &JobUIConfig{Description: "d", Links: []*JobUILink{{Label: "l", URL: "u"}}}
	job.Multiregion = &Multiregion{Strategy: &MultiregionStrategy{MaxParallel: 1, OnFailure: "fail_all"},
		Regions: []*MultiregionRegion{{Name: "east", Count: 1, Datacenters: []string{"dc1"}, Meta: map[string]string{"a": "b"}}}}
	tg := job.TaskGroups[0]
	tg.Consul = &Consul{Cluster: "c"}
	tg.Services = []*Service{{Name: "s", Provider: "consul", TaggedAddresses: map[string]string{"lan": "1.2.3.4"},
		Weights: &ServiceWeights{Passing: 2, Warning: 1},
		Connect: &ConsulConnect{SidecarService: &ConsulSidecarService{Port: "19000", Proxy: &ConsulProxy{
			Config:           map[string]interface{}{"protocol": "http"},
			Upstreams:        []*ConsulUpstream{{DestinationName: "db", LocalBindPort: 5432, MeshGateway: &ConsulMeshGateway{Mode: "local"}}},
			Expose:           &ConsulExposeConfig{Paths: []*ConsulExposePath{{Path: "/m", LocalPathPort: 9000, ListenerPort: "m"}}},
			TransparentProxy: &ConsulTransparentProxy{ExcludeOutboundPorts: []int{443}},
		}}, SidecarTask: &SidecarTask{KillTimeout: &min, Config: map[string]interface{}{"image": "envoy"}}}}}
	t0 := tg.Tasks[0]
	t0.Vault = &Vault{Policies: []string{"p"}, Env: true, ChangeMode: "restart"}
	t0.Identity = &WorkloadIdentity{Env: true}
	t0.Identities = []*WorkloadIdentity{{Name: "vault_default", Audience: []string{"vault.io"}, TTL: time.Hour}}
	t0.CSIPluginConfig = &TaskCSIPluginConfig{ID: "p", Type: "node", HealthTimeout: time.Minute}
	t0.Secrets = []*Secret{{Name: "db", Provider: "nomad", Path: "p", Config: map[string]interface{}{"engine": "kv"}}}
	t0.Actions = []*Action{{Name: "a-1", Command: "/bin/true", Args: []string{"x"}}}
	t0.Schedule = &TaskSchedule{Cron: &TaskScheduleCron{Start: "0 9 * * * *", End: "0 17", Timezone: "UTC"}}
	t0.DispatchPayload = &DispatchPayloadConfig{File: "in.json"}
	t0.Resources.Devices = []*RequestedDevice{{Name: "gpu", Count: &one}}
	t0.Resources.NUMA = &NUMAResource{Affinity: "prefer"}
	t0.Templates = []*Template{{DestPath: "local/x", EmbeddedTmpl: "x", ChangeMode: "script",
		ChangeScript: &ChangeScript{Command: "/r"}, Wait: &WaitConfig{Min: &min}}}
	job.Canonicalize()
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	cp := job.Copy()
	if !reflect.DeepEqual(cp.TaskGroups[0].Services, job.TaskGroups[0].Services) ||
		!reflect.DeepEqual(cp.TaskGroups[0].Tasks[0], job.TaskGroups[0].Tasks[0]) ||
		!reflect.DeepEqual(cp.Multiregion, job.Multiregion) || !reflect.DeepEqual(cp.UI, job.UI) {
		t.Fatalf("Copy changed the blocks:\n%#v\n%#v", cp.TaskGroups[0].Tasks[0], job.TaskGroups[0].Tasks[0])
	}
	cp.TaskGroups[0].Tasks[0].Vault.Policies[0] = "changed"
	if job.TaskGroups[0].Tasks[0].Vault.Policies[0] != "p" {
		t.Fatal("Copy shares the vault policies with the original")
	}
}

// Free-form data in a connect block is bounded as a task's Config is, and
// named by its own path when too deep to deliver.
func TestBlockDataBounded(t *testing.T) {
	job := testJob()
	deep := map[string]interface{}{}
	cur := deep
	for i := 0; i < MaxConfigDepth+2; i++ {
		next := map[string]interface{}{}
		cur["x"] = next
		cur = next
	}
	job.TaskGroups[0].Services = []*Service{{Name: "s", Connect: &ConsulConnect{Gateway: deep}}}
	err := job.ValidateBounds(DefaultLimits())
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("ValidateBounds = %v, want a too-deep gateway", err)
	}
	path, _, found := job.TaskConfigTooDeep(MaxConfigDepth)
	if !found || path != "TaskGroups[0].Services[0].Connect.Gateway" {
		t.Fatalf("TaskConfigTooDeep = %q, %v", path, found)
	}
}

func TestTemplateChangeModeIsChecked(t *testing.T) {
	for _, tc := range []struct {
		mode, signal, want string
	}{
		{"restart", "", ""},
		{"signal", "SIGHUP", ""},
		{"script", "", "change_script"},
		{"reload", "", `"reload"`},
		{"signal", "", "change_signal"},
	} {
		j := testJob()
		j.Canonicalize()
		tmpl := &Template{DestPath: "local/x", EmbeddedTmpl: "x", ChangeMode: tc.mode, ChangeSignal: tc.signal}
		if tc.mode == "script" {
			tmpl.ChangeScript = nil
		}
		j.TaskGroups[0].Tasks[0].Templates = []*Template{tmpl}
		err := j.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("change_mode %q: %v", tc.mode, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("change_mode %q signal %q: error %v, want one naming %s", tc.mode, tc.signal, err, tc.want)
		}
	}

	j := testJob()
	j.Canonicalize()
	j.TaskGroups[0].Tasks[0].Driver = "wasm"
	j.TaskGroups[0].Tasks[0].Templates = []*Template{{DestPath: "local/x", EmbeddedTmpl: "x", ChangeMode: "script",
		ChangeScript: &ChangeScript{Command: "/reload"}}}
	if err := j.Validate(); err == nil || !strings.Contains(err.Error(), `its driver "wasm" cannot`) {
		t.Errorf("change_mode script on wasm: %v; want it refused", err)
	}
}
