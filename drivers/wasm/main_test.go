package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// servePluginEnv switches the test binary into a wasm driver plugin: the
// out-of-process tests re-execute os.Args[0] with it set.
const servePluginEnv = "NOMADISH_TEST_SERVE_WASM_PLUGIN"

var (
	// taskmodWasm is testdata/taskmod built for wasip1 by TestMain.
	taskmodWasm string
	// sharedCacheDir is the compile cache most tests share, so the module
	// is compiled once for the whole run.
	sharedCacheDir string
)

func TestMain(m *testing.M) {
	if os.Getenv(servePluginEnv) == "1" {
		logger := hclog.New(&hclog.LoggerOptions{Name: "wasm", Level: hclog.Warn, Output: os.Stderr})
		plugin.Serve(New(Config{Logger: logger}), logger)
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "nomadish-wasm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	taskmodWasm = filepath.Join(dir, "taskmod.wasm")
	sharedCacheDir = filepath.Join(dir, "compile-cache")
	if err := buildWasm("./testdata/taskmod", taskmodWasm); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := warmCache(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// buildWasm compiles the Go program in pkg for wasip1 into out. It never
// downloads anything: the program uses the standard library only.
func buildWasm(pkg, out string) error {
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			return fmt.Errorf("build %s: no go command: %w", pkg, err)
		}
	}
	cmd := exec.Command(gobin, "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOPROXY=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for wasip1: %w\n%s", pkg, err, b)
	}
	return nil
}

// warmCache compiles the test module into sharedCacheDir, so that every
// driver the tests make (each conformance test launches its own) loads it
// from disk, well within the suite's bounds even under -race.
func warmCache() error {
	bin, err := os.ReadFile(taskmodWasm)
	if err != nil {
		return err
	}
	d := New(Config{})
	if err := d.SetConfig(context.Background(), pluginConfigJSON(sharedCacheDir)); err != nil {
		return err
	}
	r, err := d.runtime()
	if err != nil {
		return err
	}
	_, _, err = d.compile(context.Background(), r, bin, sha256.Sum256(bin))
	return err
}

// pluginConfig is the plugin config the tests hand to SetConfig.
func pluginConfigJSON(cacheDir string) []byte {
	b, _ := json.Marshal(map[string]any{"cache_dir": cacheDir})
	return b
}

// installModule puts the test module at local/taskmod.wasm in the task dir.
func installModule(t testing.TB, cfg *plugin.TaskConfig) {
	t.Helper()
	dst := filepath.Join(cfg.TaskDir.LocalDir, "taskmod.wasm")
	if err := os.Link(taskmodWasm, dst); err == nil {
		return
	}
	src, err := os.Open(taskmodWasm)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
}

// taskmod sets cfg's driver config to run the test module with args, plus
// any extra config keys.
func taskmod(t testing.TB, cfg *plugin.TaskConfig, extra map[string]any, args ...string) {
	t.Helper()
	installModule(t, cfg)
	c := map[string]any{"module": "local/taskmod.wasm", "args": args}
	for k, v := range extra {
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DriverConfig = b
}
