package wasm_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/drivers/catalog"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/wasm"
	"github.com/nomadish/nomadish/jobspec"
)

// TestWebsiteExample builds website/examples/hello-wasm, parses the job file
// that runs it as jobspec does for `job run`, and runs the task with the
// driver the way the client would after the artifact block put the module
// in local/.
func TestWebsiteExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hello.wasm")
	if err := wasm.BuildWasm("../../website/examples/hello-wasm", bin); err != nil {
		t.Fatal(err)
	}
	res, err := jobspec.Parse(&jobspec.ParseConfig{
		Path:    "../../website/examples/hello-wasm.hcl",
		Drivers: catalog.ConfigSchemas(),
		ArgVars: []string{"module=" + bin},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("warnings: %v", res.Warnings)
	}
	task := res.Job.TaskGroups[0].Tasks[0]
	if task.Driver != "wasm" || len(task.Artifacts) != 1 || task.Artifacts[0].GetterSource != bin {
		t.Fatalf("task = %+v", task)
	}
	conf, err := json.Marshal(task.Config)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	for _, d := range []string{"local", "secrets", "alloc", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local", "hello.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &plugin.TaskConfig{
		ID:           "example/hello",
		Name:         task.Name,
		JobName:      res.Job.Name,
		Env:          map[string]string{"NOMAD_TASK_NAME": task.Name, "NOMAD_JOB_NAME": "hello-wasm", "NOMAD_ALLOC_ID": "0d1c2a7e"},
		Resources:    plugin.Resources{MemoryMB: 64},
		DriverConfig: conf,
		TaskDir: plugin.TaskDir{
			Dir:            dir,
			LocalDir:       filepath.Join(dir, "local"),
			SecretsDir:     filepath.Join(dir, "secrets"),
			SharedAllocDir: filepath.Join(dir, "alloc"),
			LogDir:         filepath.Join(dir, "logs"),
		},
		StdoutPath: filepath.Join(dir, "logs", "hello.stdout.0"),
		StderrPath: filepath.Join(dir, "logs", "hello.stderr.0"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := wasm.New(wasm.Config{})
	if err := d.SetConfig(ctx, wasm.PluginConfigJSON(wasm.SharedCacheDir())); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StartTask(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	r, err := d.WaitTask(ctx, cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(cfg.StdoutPath)
	stderr, _ := os.ReadFile(cfg.StderrPath)
	if !r.Successful() {
		t.Fatalf("exit %+v\nstdout:\n%s\nstderr:\n%s", r, out, stderr)
	}
	for _, want := range []string{"hello, nomadish, from WebAssembly!", `task "hello" of job "hello-wasm"`, "/local    hello.wasm", "/etc      not visible to the module"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "alloc", "hello.txt")); string(got) != "written by hello-wasm\n" {
		t.Errorf("alloc/hello.txt = %q", got)
	}
	t.Logf("stdout:\n%s", out)
}
