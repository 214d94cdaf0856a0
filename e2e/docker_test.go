//go:build e2e && linux

package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// dockerJobFile runs the test image (%s: its tag) with the docker driver,
// printing "tick" every 50 ms.
const dockerJobFile = `job "docker-svc" {
  datacenters = ["dc1"]
  type        = "service"

  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = %q
        args  = ["tick"]
        labels {
          team = "e2e"
        }
      }
      resources {
        memory = 64
      }
    }
  }
}
`

// docker runs the docker CLI, bounded in time.
func docker(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// A job file with the docker driver on agent -dev (with a data dir): its
// output in the task's logs, its labels on `docker ps`, and the same
// container running across a kill -9 of the agent; stopping the job
// removes it.
func TestDockerTaskRunsAndSurvivesKill9(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI on PATH (.ci/run installs docker.io)")
	}
	if out, err := docker(t, "version", "--format", "{{.Server.Version}}"); err != nil {
		t.Skipf("no Docker engine answers (.ci/run starts dockerd): %v %s", err, out)
	}
	const tag = "nomadish-e2e/taskbin:1"
	archive := filepath.Join(t.TempDir(), "taskbin.tar")
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(archive, ref, taskbinImage(t)); err != nil {
		t.Fatal(err)
	}
	if out, err := docker(t, "load", "-i", archive); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := docker(t, "ps", "-aq", "--filter", "label=com.hashicorp.nomad.job_name=docker-svc"); err == nil {
			for _, id := range strings.Fields(out) {
				_, _ = docker(t, "rm", "-f", id)
			}
		}
		_, _ = docker(t, "rmi", "-f", tag)
	})

	a := startServer(t, "dev", 0, serverOpts{Dev: true, Extra: "data_dir = \"data\"\n"})
	waitForLeader(t, a)
	if code, out := runCLI(t, a, "docker.hcl", fmt.Sprintf(dockerJobFile, tag), "job", "run", "-detach", "docker.hcl"); code != 0 {
		t.Fatalf("job run docker.hcl: exit %d\n%s", code, out)
	}
	ours := func() (string, string) {
		t.Helper()
		out, err := docker(t, "ps", "--filter", "label=com.hashicorp.nomad.job_name=docker-svc",
			"--format", `{{.ID}} {{.Label "com.hashicorp.nomad.task_name"}} {{.Label "com.hashicorp.nomad.alloc_id"}} {{.Label "team"}}`)
		if err != nil {
			t.Fatalf("docker ps: %v\n%s", err, out)
		}
		f := strings.Fields(out)
		if len(f) != 4 {
			return "", out
		}
		return f[0], out
	}
	var before string
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		id, out := ours()
		before = id
		return id != "", fmt.Sprintf("docker ps shows %q; want one container labelled with its task, allocation and team", out)
	})
	if _, out := ours(); !strings.Contains(out, " t ") || !strings.HasSuffix(out, " e2e") {
		t.Fatalf("docker ps labels: %q; want task t and team e2e", out)
	}

	taskKeptAcrossKill9(t, a, "docker-svc")
	if after, out := ours(); after != before {
		t.Fatalf("container after the agent's kill -9 and restart: %q, want the same container %s", out, before)
	}

	if _, _, err := a.client(10*time.Second).Jobs().Deregister("docker-svc", false, nil); err != nil {
		t.Fatalf("stop the job: %v", err)
	}
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		out, _ := docker(t, "ps", "-aq", "--filter", "label=com.hashicorp.nomad.job_name=docker-svc")
		return out == "", fmt.Sprintf("containers of the stopped job: %q", out)
	})
}
