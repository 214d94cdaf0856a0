//go:build e2e && linux

package e2e

import (
	"context"
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

	"github.com/nomadish/nomadish/drivers/taskimage"
)

// ociTestImage pushes the taskbin image (taskbinImage) to an in-process
// registry on loopback and returns its reference. Nothing comes from the
// internet.
func ociTestImage(t testing.TB) string {
	t.Helper()
	img := taskbinImage(t)
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	ref := strings.TrimPrefix(reg.URL, "http://") + "/e2e/taskbin:1"
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push the test image: %v", err)
	}
	return ref
}

// taskbinImage is the drivers' test image (drivers/taskimage): taskbin at
// /bin/taskbin, its entrypoint, built here as a static binary.
func taskbinImage(t testing.TB) v1.Image {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "taskbin")
	if err := taskimage.BuildBinary(bin); err != nil {
		t.Fatal(err)
	}
	img, err := taskimage.Image(bin)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// ociJobFile is a job file running the test image (%s: its reference),
// printing "tick" every 50 ms.
const ociJobFile = `job "oci-svc" {
  datacenters = ["dc1"]
  type        = "service"

  group "g" {
    task "t" {
      driver = "oci"
      config {
        image = %q
        args  = ["tick"]
      }
      resources {
        memory = 64
      }
    }
  }
}
`

// An OCI container task from a job file on agent -dev: pulled from a
// registry, run with runc, its output in the task's logs, `alloc exec`
// inside it, and kept running (same container, same plugin and log
// processes) across a kill -9 of the agent.
func TestOCITaskRunsAndSurvivesKill9(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the OCI driver needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("the OCI driver needs runc on PATH (.ci/run installs it)")
	}
	ref := ociTestImage(t)
	// A dev agent with a data dir (in its own directory, where the
	// harness looks for its processes and logs), so that what it knows
	// survives the kill.
	a := startServer(t, "dev", 0, serverOpts{Dev: true, Extra: "data_dir = \"data\"\n"})
	waitForLeader(t, a)
	if code, out := runCLI(t, a, "oci.hcl", fmt.Sprintf(ociJobFile, ref), "job", "run", "-detach", "oci.hcl"); code != 0 {
		t.Fatalf("job run oci.hcl: exit %d\n%s", code, out)
	}
	taskKeptAcrossKill9(t, a, "oci-svc")

	allocs := jobAllocs(t, a, "oci-svc")
	if len(allocs) != 1 {
		t.Fatalf("%d allocations, want 1", len(allocs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, "alloc", "exec", "-i=false", allocs[0].ID, "/bin/taskbin", "ps")
	cmd.Env = append(os.Environ(), "NOMADISH_ADDR="+a.httpAddr())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("alloc exec ps in the container: %v\n%s", err, out)
	}
	// The container has its own PID namespace: its init is 1 and only
	// the task and the exec'd command are there.
	pids := strings.Fields(string(out))
	if len(pids) == 0 || pids[0] != "1" || len(pids) > 3 {
		t.Fatalf("processes seen inside the container: %q; want its own PID namespace (1 and the exec)", out)
	}

	// Stopping the job stops the container and removes its bundle (its
	// writable layer unmounted).
	if _, _, err := a.client(10*time.Second).Jobs().Deregister("oci-svc", false, nil); err != nil {
		t.Fatalf("stop the job: %v", err)
	}
	bundles := filepath.Join(a.dir, "data", "plugins", "oci", "bundles")
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		entries, _ := os.ReadDir(bundles)
		return len(entries) == 0, fmt.Sprintf("%d container bundles left in %s", len(entries), bundles)
	})
}
