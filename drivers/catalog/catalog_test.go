package catalog

import (
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestConfigSchemasNames(t *testing.T) {
	var names []string
	for n := range ConfigSchemas() {
		names = append(names, n)
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "docker,exec,mock,oci,raw_exec,wasm" {
		t.Errorf("drivers = %s", got)
	}
}

// TestConfigSchemasDecode decodes a typical config against each schema and
// a bad one that each schema must reject.
func TestConfigSchemasDecode(t *testing.T) {
	cases := []struct{ driver, good, bad string }{
		{"mock", `run_for = "10s"
exit_code = 0`, `run_for = 10`},
		{"docker", `image = "redis:7"
ports = ["db"]
auth {
  username = "u"
}
mount {
  type   = "bind"
  target = "/data"
}`, `command = "x"`},
		{"oci", `image = "docker.io/library/busybox"`, `image = "a"
rootfs = "b"`},
		{"wasm", `module = "local/app.wasm"
mounts = [{ source = "/srv", target = "/data" }]
memory_limit = 64`, `modul = "x.wasm"`},
		{"raw_exec", `command = "/bin/true"`, `args = ["x"]`},
		{"exec", `command = "/bin/true"
pid_mode = "host"`, `command = "/bin/true"
pid_mode = "shared"`},
	}
	schemas := ConfigSchemas()
	for _, c := range cases {
		spec := schemas[c.driver]
		if spec == nil {
			t.Fatalf("%s: no schema", c.driver)
		}
		if diags := decode(t, spec, c.good); diags.HasErrors() {
			t.Errorf("%s good: %v", c.driver, diags)
		}
		if diags := decode(t, spec, c.bad); !diags.HasErrors() {
			t.Errorf("%s bad: no error", c.driver)
		}
	}
}

func decode(t *testing.T, spec hcldec.Spec, src string) hcl.Diagnostics {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, diags = hcldec.Decode(f.Body, spec, nil)
	return diags
}
