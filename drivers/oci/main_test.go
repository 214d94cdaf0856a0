package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/go-hclog"

	ociruntime "github.com/nomadish/nomadish/drivers/oci/runtime"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/drivers/taskimage"
)

// Environment variables that switch the test binary into a container
// monitor or into an oci driver plugin: the runtime and the out-of-process
// tests re-execute os.Args[0] with them set.
const (
	envMonitor     = "NOMADISH_TEST_OCI_MONITOR"
	servePluginEnv = "NOMADISH_TEST_SERVE_OCI_PLUGIN"
)

var (
	// sharedDataDir is the data_dir most tests share, so the test image
	// is pulled and unpacked once for the whole run.
	sharedDataDir string
	// testImage is the test image's reference in the in-process registry,
	// by tag; testImageDigest is its manifest digest. Empty when the
	// tests cannot run containers (see skipReason).
	testImage, testImageDigest string
	// testImg is the test image itself, for layout and tarball tests.
	testImg v1.Image
	// registryAddr is the in-process registry's host:port.
	registryAddr string
	// skipReason says why container tests skip; "" when they can run.
	skipReason string
)

func TestMain(m *testing.M) {
	if os.Getenv(envMonitor) == "1" {
		os.Exit(ociruntime.MonitorMain(os.Args[1:]))
	}
	if os.Getenv(servePluginEnv) == "1" {
		logger := hclog.New(&hclog.LoggerOptions{Name: "oci", Level: hclog.Warn, Output: os.Stderr})
		plugin.Serve(New(testDriverConfig(logger)), logger)
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	switch {
	case os.Geteuid() != 0:
		skipReason = fmt.Sprintf("containers need root; running as uid %d", os.Geteuid())
	default:
		if _, err := exec.LookPath("runc"); err != nil {
			skipReason = "runc is not installed (no runc on PATH)"
		}
	}
	if skipReason != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "nomadish-oci-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedDataDir = filepath.Join(dir, "data")
	bin := filepath.Join(dir, "taskbin")
	if err := taskimage.BuildBinary(bin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if testImg, err = taskimage.Image(bin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	registryAddr = strings.TrimPrefix(srv.URL, "http://")
	testImage = registryAddr + "/test/taskbin:v1"
	if testImageDigest, err = push(testImg, testImage); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := warmStore(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// testDriverConfig runs the test binary itself as the container monitor.
func testDriverConfig(logger hclog.Logger) Config {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return Config{Logger: logger, MonitorPath: self, MonitorArgs: []string{}, MonitorEnv: []string{envMonitor + "=1"}}
}

// push writes img to the registry as ref and returns its digest.
func push(img v1.Image, ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// warmStore pulls the test image into the shared data dir once.
func warmStore() error {
	d := New(testDriverConfig(nil))
	if err := d.SetConfig(context.Background(), pluginConfigJSON(sharedDataDir, nil)); err != nil {
		return err
	}
	_, store, err := d.configured()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = store.Pull(ctx, testImage, nil)
	return err
}

// pluginConfigJSON is the plugin config the tests hand to SetConfig.
func pluginConfigJSON(dataDir string, extra map[string]any) []byte {
	c := map[string]any{"data_dir": dataDir}
	for k, v := range extra {
		c[k] = v
	}
	b, _ := json.Marshal(c)
	return b
}

// needContainers skips a test that runs containers where the host cannot.
func needContainers(t testing.TB) {
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
