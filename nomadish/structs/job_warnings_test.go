package structs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestJobWarningsNameTheBlockTheFeatureAndTheVerdict: each block whose
// Nomad feature nomadish lacks gets one warning naming where it is, the
// feature, and whether job run accepts the job.
func TestJobWarningsNameTheBlockTheFeatureAndTheVerdict(t *testing.T) {
	job := testJob()
	tg := job.TaskGroups[0]
	tg.Update = &UpdateStrategy{Canary: 1, MaxParallel: 0}
	tg.Consul = &Consul{Namespace: "team"}
	tg.Services = []*Service{{Name: "web", Provider: "consul"}}
	task := tg.Tasks[0]
	task.Vault = &Vault{Policies: []string{"db"}, Env: true}
	task.Consul = &Consul{Cluster: "default"}
	task.DispatchPayload = &DispatchPayloadConfig{File: "input.json"}
	job.Canonicalize()

	got := job.JobWarnings()
	want := []struct{ path, feature string }{
		{`group "cache" > update`, "canary = 1 has no effect with max_parallel = 0"},
		{`group "cache" > consul`, "Consul is not available in nomadish"},
		{`group "cache" > service[0]`, "Consul service registration is not available in nomadish"},
		{`group "cache" > task "redis" > vault`, "Vault is not available in nomadish"},
		{`group "cache" > task "redis" > consul`, "Consul is not available in nomadish"},
		{`group "cache" > task "redis" > dispatch_payload`, "writing a dispatched job's payload into the task is not available in nomadish yet"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d warnings, want %d:\n%s", len(got), len(want), job.Warnings())
	}
	for i, w := range want {
		if got[i].Path != w.path || got[i].Feature != w.feature || got[i].Refused {
			t.Errorf("warning %d = %+v, want path %q feature %q, accepted", i, got[i], w.path, w.feature)
		}
	}
	text := job.Warnings()
	for _, s := range []string{"* group \"cache\" > update: canary = 1", "no canaries are placed", "job run accepts the job",
		"provider = \"nomad\"", "no VAULT_TOKEN"} {
		if !strings.Contains(text, s) {
			t.Errorf("warnings lack %q:\n%s", s, text)
		}
	}
	if err := job.Refusals(); err != nil {
		t.Fatalf("a job that can run without Vault and Consul was refused: %v", err)
	}
}

// TestRefusalsAreTheWarningsThatCannotRun: a template reading Vault
// secrets, a mounted CSI volume, a secret block and a Connect upstream are
// refused with the warning's own text; the same blocks in forms the task
// can run without are only warned about.
func TestRefusalsAreTheWarningsThatCannotRun(t *testing.T) {
	job := testJob()
	tg := job.TaskGroups[0]
	task := tg.Tasks[0]
	task.Templates = []*Template{
		{DestPath: "secrets/db.env", EmbeddedTmpl: `{{ with secret "kv/db" }}PASS={{ .Data.password }}{{ end }}`},
		{DestPath: "local/plain", EmbeddedTmpl: `{{ env "NOMAD_ALLOC_ID" }} "secret" {{ .secret }} {{ $secret := 1 }}`},
		{DestPath: "local/kv", EmbeddedTmpl: `[[ key "app/config" ]]`, LeftDelim: "[[", RightDelim: "]]"},
	}
	tg.Volumes = map[string]*VolumeRequest{
		"db":    {Name: "db", Type: VolumeTypeCSI, Source: "db"},
		"spare": {Name: "spare", Type: VolumeTypeCSI, Source: "spare"},
	}
	task.VolumeMounts = []*VolumeMount{{Volume: "db", Destination: "/data"}}
	task.Secrets = []*Secret{{Name: "api", Provider: "vault", Path: "kv/api"}}
	tg.Services = []*Service{{Name: "web", Connect: &ConsulConnect{SidecarService: &ConsulSidecarService{
		Proxy: &ConsulProxy{Upstreams: []*ConsulUpstream{{DestinationName: "db", LocalBindPort: 5432}}}}}}}
	job.Canonicalize()

	var refused, accepted []string
	for _, w := range job.JobWarnings() {
		if w.Refused {
			refused = append(refused, w.Path)
		} else {
			accepted = append(accepted, w.Path)
		}
	}
	wantRefused := []string{
		`group "cache" > service[0] > connect > sidecar_service`,
		`group "cache" > volume "db"`,
		`group "cache" > task "redis" > secret "api"`,
		`group "cache" > task "redis" > template[0]`,
		`group "cache" > task "redis" > template[2]`,
	}
	if !reflect.DeepEqual(refused, wantRefused) {
		t.Errorf("refused %q, want %q", refused, wantRefused)
	}
	if !reflect.DeepEqual(accepted, []string{`group "cache" > volume "spare"`}) {
		t.Errorf("accepted with a warning: %q", accepted)
	}

	err := job.Refusals()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != len(wantRefused) {
		t.Fatalf("Refusals = %v", err)
	}
	// The refusal says what the warning says.
	for _, p := range ve.Problems {
		line := "* " + p.String()
		if !strings.Contains(job.Warnings(), line) {
			t.Errorf("refusal %q is not among the warnings:\n%s", line, job.Warnings())
		}
		if !strings.HasSuffix(p.Message, "job run refuses the job") {
			t.Errorf("refusal %q does not say run refuses the job", p.Message)
		}
	}
	if !strings.Contains(err.Error(), "the template calls secret") || !strings.Contains(err.Error(), "the template calls key") {
		t.Errorf("refusal does not name the template functions: %v", err)
	}
}

func TestTemplateCalls(t *testing.T) {
	got := templateCalls(`a {{- with secret "x" -}}{{ .Data.key }}{{ end }} {{ range $k, $v := tree "p" | explode }}{{ $v.node }}{{ end }} {{ "nomadVar" }}`, "", "")
	for _, name := range []string{"with", "secret", "end", "range", "tree", "explode"} {
		if !got[name] {
			t.Errorf("%q not found among %v", name, got)
		}
	}
	for _, name := range []string{"Data", "key", "k", "v", "node", "nomadVar", "a"} {
		if got[name] {
			t.Errorf("%q is not a call, got %v", name, got)
		}
	}
}

// Native service lookups render on the client now; Nomad Variables are
// still refused.
func TestTemplateFeaturesServicesAllowed(t *testing.T) {
	if got := templateFeatures(`{{ range nomadService "db" }}{{ .Address }}{{ end }}{{ range nomadServices }}{{ end }}`, "", ""); len(got) != 0 {
		t.Fatalf("nomadService refused: %+v", got)
	}
	got := templateFeatures(`{{ nomadVar "x" }}`, "", "")
	if len(got) != 1 || got[0].feature != "Nomad Variables are not available in nomadish yet" {
		t.Fatalf("nomadVar: %+v", got)
	}
}
