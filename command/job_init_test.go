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
