package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJobInitWritesAndRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	meta, ui, _ := testMeta(t)
	if code := (&JobInitCommand{Meta: meta}).Run(nil); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "example.nomad.hcl"))
	if err != nil || string(data) != exampleJobHCL {
		t.Fatalf("file = %q, err %v", data, err)
	}
	if !strings.Contains(ui.OutputWriter.String(), "Example job file written to example.nomad.hcl") {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}

	if err := os.WriteFile("example.nomad.hcl", []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	meta, ui, _ = testMeta(t)
	if code := (&JobInitCommand{Meta: meta}).Run(nil); code != 1 || !strings.Contains(ui.ErrorWriter.String(), `"example.nomad.hcl" already exists`) {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if data, _ := os.ReadFile("example.nomad.hcl"); string(data) != "mine" {
		t.Fatal("existing file was overwritten")
	}
}

func TestJobInitShortAndJSON(t *testing.T) {
	dir := t.TempDir()
	meta, ui, _ := testMeta(t)
	short := filepath.Join(dir, "short.hcl")
	if code := (&JobInitCommand{Meta: meta}).Run([]string{"-short", short}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	if data, _ := os.ReadFile(short); string(data) != exampleJobShortHCL || strings.Contains(string(data), "#") {
		t.Fatalf("short example = %s", data)
	}

	t.Chdir(dir)
	meta, ui, _ = testMeta(t)
	if code := (&JobInitCommand{Meta: meta}).Run([]string{"-json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, ui.ErrorWriter.String())
	}
	job, err := readJobFile(filepath.Join(dir, "example.nomad.json"))
	if err != nil {
		t.Fatal(err)
	}
	tg := job.TaskGroups[0]
	if job.ID != "example" || tg.Name != "web" || tg.Tasks[0].Driver != "mock" || tg.Tasks[0].Config["run_for"] != "10m" || tg.RestartPolicy.Attempts != 2 {
		t.Fatalf("job = %+v", job)
	}
}

// The commented variable example, uncommented as its comment says and
// used as it says, parses, and -var sets it.
func TestJobInitVariableExampleUncommented(t *testing.T) {
	var lines []string
	inBlock := false
	for _, line := range strings.Split(exampleJobHCL, "\n") {
		if strings.HasPrefix(line, `# variable "run_for" {`) {
			inBlock = true
		}
		if inBlock {
			if !strings.HasPrefix(line, "#") {
				t.Fatalf("variable example ends without its closing brace: %q", line)
			}
			line = strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
			inBlock = line != "}"
		}
		lines = append(lines, line)
	}
	src := strings.Join(lines, "\n")
	if !strings.Contains(src, "\nvariable \"run_for\" {\n  type    = string\n  default = \"10m\"\n}\n") {
		t.Fatalf("no top-level variable block after uncommenting:\n%s", src)
	}
	if _, _, err := parseHCLJob("example.nomad.hcl", []byte(src), nil, nil); err != nil {
		t.Fatalf("uncommented example: %v", err)
	}
	used := strings.Replace(src, `run_for = "10m"`, "run_for = var.run_for", 1)
	if used == src {
		t.Fatal("the example's config has no run_for to replace")
	}
	for _, c := range []struct {
		vars []string
		want string
	}{{nil, "10m"}, {[]string{"run_for=1h"}, "1h"}} {
		job, _, err := parseHCLJob("example.nomad.hcl", []byte(used), c.vars, nil)
		if err != nil {
			t.Fatalf("example using var.run_for, vars %v: %v", c.vars, err)
		}
		if got := job.TaskGroups[0].Tasks[0].Config["run_for"]; got != c.want {
			t.Fatalf("vars %v: run_for %v, want %s", c.vars, got, c.want)
		}
	}
}
