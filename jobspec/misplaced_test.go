package jobspec

import (
	"strings"
	"testing"
)

// A variable or locals block written inside job, group or task is refused
// with where it goes; one at the top level is accepted.
func TestMisplacedTopLevelBlocks(t *testing.T) {
	cases := map[string]struct{ src, where, use string }{
		"variable in job": {`job "j" {
  variable "tag" { default = "1" }
  group "g" {
    task "t" { driver = "mock" }
  }
}`, `in job "j"`, "var.<name>"},
		"variable in task": {`job "j" {
  group "g" {
    task "t" {
      driver = "mock"
      variable "tag" { default = "1" }
    }
  }
}`, `in job "j" > group "g" > task "t"`, "-var-file"},
		"locals in group": {`job "j" {
  group "g" {
    locals { tag = "1" }
    task "t" { driver = "mock" }
  }
}`, `in job "j" > group "g"`, "local.<name>"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(&ParseConfig{Path: "job.hcl", Body: []byte(c.src)})
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			for _, want := range []string{"blocks go at the top level of the file, outside job", c.where, c.use} {
				if !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
		})
	}

	// Other unknown blocks get no such hint.
	_, err := Parse(&ParseConfig{Path: "job.hcl", Body: []byte(`job "j" {
  widget "w" {}
  group "g" {
    task "t" { driver = "mock" }
  }
}`)})
	if err == nil || strings.Contains(err.Error(), "top level") {
		t.Fatalf("unknown block: %v", err)
	}

	// The same variable at the top level is what the hint asks for.
	res, err := Parse(&ParseConfig{Path: "job.hcl", Body: []byte(`variable "tag" { default = "1" }
job "j" {
  meta { tag = var.tag }
  group "g" {
    task "t" { driver = "mock" }
  }
}`)})
	if err != nil || res.Job.Meta["tag"] != "1" {
		t.Fatalf("top-level variable: %v", err)
	}
}
