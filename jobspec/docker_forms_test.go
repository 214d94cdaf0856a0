package jobspec

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/catalog"
)

// The docker driver's block forms, nested ones included, are folded into
// the option's own key, so the job carries Nomad's key names.
func TestDockerNestedBlockFormsFold(t *testing.T) {
	src := `job "j" {
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        labels { team = "cache" }
        logging {
          type = "json-file"
          config { max-file = "3" }
        }
        mount {
          type   = "volume"
          target = "/data"
          volume_options {
            labels { owner = "cache" }
            driver_config {
              name = "local"
              options { type = "tmpfs" }
            }
          }
        }
      }
    }
  }
}`
	res, err := Parse(&ParseConfig{Path: "job.hcl", Body: []byte(src), Drivers: catalog.ConfigSchemas()})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Job.TaskGroups[0].Tasks[0].Config)
	got := string(b)
	if strings.Contains(got, "_block") {
		t.Fatalf("a block form key is left: %s", got)
	}
	for _, want := range []string{`"labels":{"team":"cache"}`, `"config":{"max-file":"3"}`, `"labels":{"owner":"cache"}`, `"options":{"type":"tmpfs"}`} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %s: %s", want, got)
		}
	}

	// Both forms of one nested option is an error naming it.
	both := strings.Replace(src, `config { max-file = "3" }`, `config { max-file = "3" }
          config = { max-size = "1m" }`, 1)
	if _, err := Parse(&ParseConfig{Path: "job.hcl", Body: []byte(both), Drivers: catalog.ConfigSchemas()}); err == nil ||
		!strings.Contains(err.Error(), `in logging: "config" is given both as an attribute and as a block`) {
		t.Fatalf("both forms: %v", err)
	}
}
