package jobspec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/catalog"
)

// TestExampleJob keeps the website's example job parsing cleanly with the
// built-in drivers' schemas.
func TestExampleJob(t *testing.T) {
	res, err := Parse(&ParseConfig{Path: "../website/examples/example.hcl", Drivers: catalog.ConfigSchemas()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	if res.Job.ID != "example" || res.Job.TaskGroups[0].Count != 1 || res.Job.TaskGroups[0].Tasks[0].Driver != "mock" {
		t.Errorf("job = %+v", res.Job)
	}
	res, err = Parse(&ParseConfig{Path: "../website/examples/example.hcl", ArgVars: []string{"count=11"}})
	if err == nil || !strings.Contains(err.Error(), "count must be between 1 and 10.") {
		t.Errorf("count=11: err = %v", err)
	}
}

func TestParseReadsPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.hcl")
	writeFile(t, path, `job "j" {
  group "g" {
    task "t" {
      driver = "mock"
      env { CONF = file("conf.txt") }
    }
  }
}`)
	writeFile(t, filepath.Join(dir, "conf.txt"), "hello")
	res, err := Parse(&ParseConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Job.TaskGroups[0].Tasks[0].Env["CONF"]; got != "hello" {
		t.Errorf("CONF = %q", got)
	}

	// The same bytes as Body, with the matching Path: file still works.
	src, _ := os.ReadFile(path)
	if _, err := Parse(&ParseConfig{Path: path, Body: src}); err != nil {
		t.Errorf("Body equal to Path: %v", err)
	}
	// Different bytes (as a server parsing a client's job would have):
	// file is not available.
	other := append([]byte("# sent over HTTP\n"), src...)
	_, err = Parse(&ParseConfig{Path: path, Body: other})
	if err == nil || !strings.Contains(err.Error(), `no function named "file"`) {
		t.Errorf("Body unlike Path: err = %v", err)
	}
}

func TestParseMissingFile(t *testing.T) {
	_, err := Parse(&ParseConfig{Path: filepath.Join(t.TempDir(), "nope.hcl")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
	if _, err := Parse(&ParseConfig{}); err == nil {
		t.Error("empty config: no error")
	}
	if _, err := Parse(nil); err == nil {
		t.Error("nil config: no error")
	}
}

func TestParseTooLarge(t *testing.T) {
	body := []byte("# " + strings.Repeat("x", MaxFileSize) + "\n")
	_, err := Parse(&ParseConfig{Path: "big.hcl", Body: body})
	var de *DiagnosticsError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("err = %v", err)
	}
}

func TestVarFileMissing(t *testing.T) {
	_, err := Parse(&ParseConfig{Path: "testdata/basic.hcl", VarFiles: []string{"testdata/vars/absent.hcl"}})
	if err == nil || !strings.Contains(err.Error(), "Cannot read variable file") {
		t.Errorf("err = %v", err)
	}
}

func TestDiagnosticsErrorCarriesFiles(t *testing.T) {
	_, err := Parse(&ParseConfig{Path: "testdata/bad_four.hcl"})
	var de *DiagnosticsError
	if !errors.As(err, &de) {
		t.Fatalf("err = %T", err)
	}
	if len(de.Diags) != 4 {
		t.Errorf("%d diagnostics, want 4:\n%v", len(de.Diags), err)
	}
	if de.Files["testdata/bad_four.hcl"] == nil {
		t.Errorf("Files lacks the job file: %v", de.Files)
	}
}

func TestParseSizeMB(t *testing.T) {
	for in, want := range map[string]int{"512": 512, "512MB": 512, "1GB": 1024, "1.5GiB": 1536, "2048K": 2, "1 t": 1 << 20, "1KB": 1} {
		if got, ok := parseSizeMB(in); !ok || got != want {
			t.Errorf("parseSizeMB(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "lots", "-1MB", "1PB"} {
		if _, ok := parseSizeMB(in); ok {
			t.Errorf("parseSizeMB(%q) accepted", in)
		}
	}
}

// TestReferenceDocumentsEverything checks that website/job-spec.md names
// every argument, block and function the parser accepts.
func TestReferenceDocumentsEverything(t *testing.T) {
	doc, err := os.ReadFile("../website/job-spec.md")
	if err != nil {
		t.Fatal(err)
	}
	schemas := append([]*schema{variableSchema, validationSchema}, jobSchemas...)
	for _, sc := range schemas {
		for _, name := range append(append([]string(nil), sc.attrs...), sc.blocks...) {
			if !strings.Contains(string(doc), "`"+name) {
				t.Errorf("job-spec.md does not mention `%s`", name)
			}
		}
	}
	for _, name := range functionNames(true) {
		if !strings.Contains(string(doc), "`"+name+"`") && !strings.Contains(string(doc), "`"+name+"(") {
			t.Errorf("job-spec.md does not list the function `%s`", name)
		}
	}
}

// TestCompatibilityTableCoversEveryBlock checks that the table of
// website/job-spec.md's "Nomad compatibility" section has a row for every
// block a job file may hold, with a status, and no row for a block the
// parser does not accept.
func TestCompatibilityTableCoversEveryBlock(t *testing.T) {
	doc, err := os.ReadFile("../website/job-spec.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Nomad compatibility\n")
	if !ok {
		t.Fatal("job-spec.md has no \"## Nomad compatibility\" section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	accepted := map[string]bool{"job": true}
	for _, sc := range jobSchemas {
		for _, b := range sc.blocks {
			accepted[b] = true
		}
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		status := strings.TrimSpace(cells[4])
		switch {
		case rows[name]:
			t.Errorf("block %q has two rows", name)
		case !accepted[name]:
			t.Errorf("the table has a row for %q, a block the parser does not accept", name)
		case !strings.HasPrefix(status, "supported") && !strings.HasPrefix(status, "stored, no effect") &&
			!strings.HasPrefix(status, "refused at run"):
			t.Errorf("block %q: status %q is none of supported, stored, no effect (why), refused at run (why)", name, status)
		}
		rows[name] = true
	}
	for name := range accepted {
		if !rows[name] {
			t.Errorf("the compatibility table has no row for the block %q", name)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A driver option given in its block form (the docker driver's
// `labels { }`) lands under the option's own key, as the attribute form
// does, so the client's check against the driver's schema accepts it.
func TestBlockFormsFolded(t *testing.T) {
	src := `job "web" {
  datacenters = ["dc1"]
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        labels {
          team = "web"
        }
      }
    }
  }
}
`
	res, err := Parse(&ParseConfig{Path: "web.hcl", Body: []byte(src), Drivers: catalog.ConfigSchemas()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := res.Job.TaskGroups[0].Tasks[0].Config
	if _, ok := cfg["labels_block"]; ok {
		t.Fatalf("config keeps the block form's key: %v", cfg)
	}
	labels, _ := cfg["labels"].(map[string]interface{})
	if labels["team"] != "web" {
		t.Fatalf("labels = %#v, want team = web", cfg["labels"])
	}

	both := strings.Replace(src, `image = "redis:7"`, "image = \"redis:7\"\n        labels = { a = \"b\" }", 1)
	if _, err := Parse(&ParseConfig{Path: "web.hcl", Body: []byte(both), Drivers: catalog.ConfigSchemas()}); err == nil ||
		!strings.Contains(err.Error(), `"labels" is given both as an attribute and as a block`) {
		t.Fatalf("both forms: %v, want a conflict naming labels", err)
	}
}
