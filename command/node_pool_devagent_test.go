package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodePoolCommandsAgainstDevAgent(t *testing.T) {
	d := startDevAgent(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "gpu.hcl")
	if err := os.WriteFile(file, []byte(`node_pool "gpu" {
  description = "Nodes with a GPU"
  meta {
    owner = "ml"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, d, 0, "node", "pool", "apply", file); !strings.Contains(out, `Successfully applied node pool "gpu"!`) {
		t.Fatalf("apply: %s", out)
	}
	out := mustRun(t, d, 0, "node", "pool", "list")
	for _, want := range []string{"all", "default", "gpu", "Nodes with a GPU"} {
		if !strings.Contains(out, want) {
			t.Errorf("node pool list lacks %q:\n%s", want, out)
		}
	}
	if out := mustRun(t, d, 0, "node", "pool", "info", "gpu"); !strings.Contains(out, "Meta owner") || !strings.Contains(out, "ml") {
		t.Errorf("node pool info:\n%s", out)
	}

	bad := filepath.Join(dir, "bad.hcl")
	os.WriteFile(bad, []byte("node_pool \"x\" {\n  colour = \"red\"\n}\n"), 0o644)
	if code, _, errOut := d.run(t, "node", "pool", "apply", bad); code != 1 || !strings.Contains(errOut, `unknown argument "colour" in node_pool; accepted: description`) {
		t.Errorf("a file with an unknown argument: exit %d\n%s", code, errOut)
	}
	os.WriteFile(bad, []byte("node_pool \"all\" {}\n"), 0o644)
	if code, _, errOut := d.run(t, "node", "pool", "apply", bad); code != 1 || !strings.Contains(errOut, `"all" is a built-in pool`) {
		t.Errorf("writing a built-in pool: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := d.run(t, "node", "pool", "delete", "default"); code != 1 || !strings.Contains(errOut, `"default" is a built-in pool`) {
		t.Errorf("removing a built-in pool: exit %d\n%s", code, errOut)
	}

	mustRun(t, d, 0, "node", "pool", "delete", "gpu")
	if code, _, errOut := d.run(t, "node", "pool", "info", "gpu"); code != 1 || !strings.Contains(errOut, `node pool "gpu" not found`) {
		t.Errorf("info of a removed pool: exit %d\n%s", code, errOut)
	}
}
