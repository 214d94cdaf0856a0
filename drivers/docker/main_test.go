package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/hashicorp/go-hclog"
	"github.com/moby/moby/client"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/taskimage"
)

// servePluginEnv switches the test binary into a docker driver plugin, for
// the out-of-process tests.
const servePluginEnv = "NOMADISH_TEST_SERVE_DOCKER_PLUGIN"

// testImage is the test image's tag, loaded into the engine by TestMain.
const testImage = "nomadish-test/taskbin:v1"

var (
	// skipReason says why engine tests skip; "" when an engine answers.
	skipReason string
	// testTarball is the test image as a `docker load` tarball.
	testTarball string
)

func TestMain(m *testing.M) {
	if os.Getenv(servePluginEnv) == "1" {
		logger := hclog.New(&hclog.LoggerOptions{Name: "docker", Level: hclog.Warn, Output: os.Stderr})
		plugin.Serve(New(Config{Logger: logger}), logger)
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	c, err := client.New(client.WithHost(DefaultEndpoint), client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = c.Ping(ctx, client.PingOptions{})
		cancel()
	}
	if err != nil {
		skipReason = fmt.Sprintf("no Docker engine answers at %s: %v", DefaultEndpoint, err)
		return m.Run()
	}
	defer c.Close()
	dir, err := os.MkdirTemp("", "nomadish-docker-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := loadTestImage(c, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	removeTestContainers(c)
	return code
}

// loadTestImage builds the oci driver's taskbin as a static binary, packs
// it into an image and loads it into the engine: no internet, no registry.
func loadTestImage(c *client.Client, dir string) error {
	bin := filepath.Join(dir, "taskbin")
	if err := taskimage.BuildBinary(bin); err != nil {
		return err
	}
	img, err := taskimage.Image(bin)
	if err != nil {
		return err
	}
	testTarball = filepath.Join(dir, "taskbin.tar")
	tag, err := name.NewTag(testImage)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(testTarball, tag, img); err != nil {
		return err
	}
	f, err := os.Open(testTarball)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := c.ImageLoad(ctx, f, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load the test image: %w", err)
	}
	defer res.Close()
	_, _ = io.Copy(io.Discard, res)
	if _, err := c.ImageInspect(ctx, testImage); err != nil {
		return fmt.Errorf("the test image is not in the engine after the load: %w", err)
	}
	return nil
}

// removeTestContainers removes what the tests' tasks left, by our label.
func removeTestContainers(c *client.Client) {
	ctx := context.Background()
	list, err := c.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", LabelJobName+"=docker-test").Add("label", LabelManaged+"=true")})
	if err != nil {
		return
	}
	for _, s := range list.Items {
		_, _ = c.ContainerRemove(ctx, s.ID, client.ContainerRemoveOptions{Force: true})
	}
}

// needEngine skips a test that needs the engine where none answers.
func needEngine(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// taskbin sets cfg's driver config to run the test image with args, plus
// any extra config keys.
func taskbin(t testing.TB, cfg *plugin.TaskConfig, extra map[string]any, args ...string) {
	t.Helper()
	c := map[string]any{"image": testImage, "args": args}
	for k, v := range extra {
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DriverConfig = b
}

// taskConfigIn is a task config with its task dir under dir.
func taskConfigIn(t testing.TB, dir, id, name string) *plugin.TaskConfig {
	t.Helper()
	for _, d := range []string{"local", "secrets", "tmp", "alloc", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &plugin.TaskConfig{
		ID:            id,
		Name:          name,
		AllocID:       "alloc-" + name,
		JobName:       "docker-test",
		TaskGroupName: "group",
		Env:           map[string]string{"NOMAD_TASK_NAME": name},
		Resources:     plugin.Resources{CPUMHz: 100, MemoryMB: 64},
		TaskDir: plugin.TaskDir{
			Dir: dir, LocalDir: filepath.Join(dir, "local"), SecretsDir: filepath.Join(dir, "secrets"),
			TmpDir: filepath.Join(dir, "tmp"), SharedAllocDir: filepath.Join(dir, "alloc"), LogDir: filepath.Join(dir, "logs"),
		},
		StdoutPath: filepath.Join(dir, "logs", name+".stdout.0"),
		StderrPath: filepath.Join(dir, "logs", name+".stderr.0"),
	}
}

// newDriver is a configured driver for a test.
func newDriver(t testing.TB, pconf map[string]any) *Driver {
	t.Helper()
	d := New(Config{})
	b, _ := json.Marshal(pconf)
	if pconf == nil {
		b = nil
	}
	if err := d.SetConfig(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustWrite(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
