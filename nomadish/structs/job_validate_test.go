package structs

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestJobValidateReportsEveryProblemWithItsPath(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.ID = ""
	job.TaskGroups[0].Count = -1
	job.TaskGroups[0].Tasks = append(job.TaskGroups[0].Tasks, &Task{Name: "side", Driver: "wasm", Resources: &Resources{CPU: 100, MemoryMB: 5}})
	job.Constraints = []*Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "~="}}

	err := job.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	want := []string{
		"job ID: required",
		`group "cache" > count: must be 0 or more, got -1`,
		`group "cache" > task "side" > resources > memory: must be at least 10, got 5`,
		`constraint[0] > operator: unknown operand "~="`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if len(verr.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(verr.Problems), len(want), msg)
	}
}

func TestJobValidateNoGroups(t *testing.T) {
	job := &Job{ID: "x"}
	job.Canonicalize()
	err := job.Validate()
	if err == nil || !strings.Contains(err.Error(), "group blocks: at least one task group is required") {
		t.Fatalf("got %v", err)
	}
}

func TestCanonicalizedJobIsValid(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	if job.Priority != DefaultJobPriority || job.Namespace != DefaultNamespace {
		t.Fatalf("defaults not applied: %+v", job)
	}
}

// TestPlacementWeightDefaults: an affinity or spread sent as JSON without
// a Weight gets Nomad's default of 50 instead of failing validation.
func TestPlacementWeightDefaults(t *testing.T) {
	job := testJob()
	if err := json.Unmarshal([]byte(`{"Affinities":[{"LTarget":"${node.datacenter}","Operand":"=","RTarget":"dc1"}],"Spreads":[{"Attribute":"${node.datacenter}"}]}`), job); err != nil {
		t.Fatal(err)
	}
	tg := job.TaskGroups[0]
	tg.Spreads = []*Spread{{Attribute: "${meta.rack}", Weight: 20}}
	tg.Tasks[0].Affinities = []*Affinity{{LTarget: "${attr.kernel.name}", Operand: "=", RTarget: "linux"}}
	job.Canonicalize()
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	if job.Affinities[0].Weight != 50 || job.Spreads[0].Weight != 50 || tg.Tasks[0].Affinities[0].Weight != 50 {
		t.Fatalf("weights %d, %d, %d; want the default 50", job.Affinities[0].Weight, job.Spreads[0].Weight, tg.Tasks[0].Affinities[0].Weight)
	}
	if tg.Spreads[0].Weight != 20 {
		t.Fatalf("a weight that was set became %d", tg.Spreads[0].Weight)
	}
}

// TestDestinationsStayInTheAllocationDirectory: as in Nomad, a template's
// or an artifact's destination may lead from the task directory into the
// allocation directory ("../alloc/x"); only leaving the allocation
// directory is refused, and the problem names the block the user wrote.
func TestDestinationsStayInTheAllocationDirectory(t *testing.T) {
	for _, tc := range []struct {
		dest string
		want string // "" when accepted
	}{
		{"local/app.conf", ""},
		{"../alloc/data/app.conf", ""},
		{"local/../../alloc/x", ""},
		{"../other-task/local/x", ""},
		{"${NOMAD_ALLOC_DIR}/x", ""},
		{"../../etc/passwd", `group "cache" > task "redis" > template[0] > destination: "../../etc/passwd" leaves the allocation directory; use a path inside it`},
		{"local/../../../x", `"local/../../../x" leaves the allocation directory`},
		{"/etc/passwd", `group "cache" > task "redis" > template[0] > destination: "/etc/passwd" is absolute`},
	} {
		job := testJob()
		job.Canonicalize()
		job.TaskGroups[0].Tasks[0].Templates = []*Template{{DestPath: tc.dest, EmbeddedTmpl: "x"}}
		err := job.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("template destination %q refused: %v", tc.dest, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("template destination %q: got %v, want %q", tc.dest, err, tc.want)
		}

		job = testJob()
		job.Canonicalize()
		job.TaskGroups[0].Tasks[0].Artifacts = []*TaskArtifact{{GetterSource: "https://example.com/x.tgz", RelativeDest: tc.dest}}
		err = job.Validate()
		want := strings.ReplaceAll(tc.want, "template[0]", "artifact[0]")
		switch {
		case want == "" && err != nil:
			t.Errorf("artifact destination %q refused: %v", tc.dest, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("artifact destination %q: got %v, want %q", tc.dest, err, want)
		}
	}
}

// TestValidationPathsAreTheJobFilesWords: ports, volumes and nested
// blocks are named by the labels the user gave them, and argument names
// are the job file's, not the Go fields'.
func TestValidationPathsAreTheJobFilesWords(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	tg := job.TaskGroups[0]
	tg.Networks = []*NetworkResource{{ReservedPorts: []Port{{Label: "http", Value: 70000}}}}
	tg.Update.MinHealthyTime = tg.Update.HealthyDeadline
	tg.Tasks[0].Templates = []*Template{{DestPath: "local/x"}}
	tg.Tasks[0].VolumeMounts = []*VolumeMount{{Volume: "data"}}
	tg.Tasks[0].Resources.MemoryMaxMB = 1
	err := job.Validate()
	for _, want := range []string{
		`group "cache" > network[0] > port "http" > static: must be between 0 and 65535, got 70000`,
		`group "cache" > update > min_healthy_time: must be less than healthy_deadline`,
		`group "cache" > task "redis" > template[0]: one of source (a file in the task directory) or data (the template inline) is required`,
		`group "cache" > task "redis" > volume_mount[0] > volume: the group has no volume "data"`,
		`group "cache" > task "redis" > resources > memory_max: must be at least memory`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "TaskGroups[") {
		t.Errorf("a Go field path reached the user:\n%v", err)
	}
}

// TestValidationPathsNameIdentitiesSecretsAndActions: a task's named
// blocks are shown by name as Nomad's users know them (`secret "db"`,
// the identity with name = "vault_default"); one without a name, which
// the user cannot tell apart otherwise, by its index.
func TestValidationPathsNameIdentitiesSecretsAndActions(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	task := job.TaskGroups[0].Tasks[0]
	task.Identities = []*WorkloadIdentity{{Name: "vault_default", TTL: -time.Second}, {Audience: []string{"x"}}}
	task.Secrets = []*Secret{{Name: "db", Path: "kv/db"}, {Provider: "nomad", Path: "p"}}
	task.Actions = []*Action{{Name: "flush"}}
	err := job.Validate()
	for _, want := range []string{
		`group "cache" > task "redis" > identity "vault_default" > ttl: must not be negative`,
		`group "cache" > task "redis" > identity[1] > name: required`,
		`group "cache" > task "redis" > secret "db" > provider: required`,
		`group "cache" > task "redis" > secret[1] > name: required`,
		`group "cache" > task "redis" > action "flush" > command: required`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "identities") || strings.Contains(err.Error(), "secrets[") || strings.Contains(err.Error(), "actions[")) {
		t.Errorf("a Go list name reached the user:\n%v", err)
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"MaxParallel": "max_parallel", "HTTPAddr": "http_addr", "Sticky": "sticky", "LostAfter": "lost_after", "CPU": "cpu"} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
