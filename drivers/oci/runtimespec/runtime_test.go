package runtimespec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRuntimeRunsSpec hands a built spec to runc and crun and checks, from
// inside the container, that it was applied: the user, hostname, working
// directory, environment, no_new_privileges, the seccomp filter and the
// bounding capability set. It needs root and skips without, or without a
// runtime.
func TestRuntimeRunsSpec(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: a container runtime needs root")
	}
	probe := buildProbe(t)
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			bin, err := exec.LookPath(rt)
			if err != nil {
				t.Skipf("%s not found on PATH", rt)
			}
			if rt == "crun" {
				if where := hybridCgroupControllers(); where != "" {
					t.Skipf("host cgroups are in hybrid mode with controllers on the cgroup2 mount at %s, which crun refuses", where)
				}
			}
			bundle := t.TempDir()
			rootfs := filepath.Join(bundle, "rootfs")
			for _, d := range []string{"etc", "srv", "mnt"} {
				if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			os.WriteFile(filepath.Join(rootfs, "etc/passwd"), []byte("app:x:1000:1000::/srv:/probe\n"), 0o644)
			data, err := os.ReadFile(probe)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(rootfs, "probe"), data, 0o755); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("runtimespec-test-%s-%d", rt, os.Getpid())
			s, err := Build(&Input{
				ID:       id,
				Image:    ImageConfig{Entrypoint: []string{"/probe"}, User: "app", WorkingDir: "/srv"},
				Task:     TaskOptions{Hostname: "probe-host", ReadonlyRootfs: true, Mounts: []Mount{{Type: "tmpfs", Target: "/tmp"}}},
				Rootfs:   rootfs,
				Env:      map[string]string{"PROBE": "yes"},
				MemoryMB: 64, PidsLimit: 32,
			})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bundle, "config.json"), cfg, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			t.Cleanup(func() { exec.Command(bin, "delete", "--force", id).Run() })
			var stdout, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, "run", "--bundle", bundle, id)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s run: %v\nstdout:\n%s\nstderr:\n%s", rt, err, stdout.String(), stderr.String())
			}
			out := stdout.String()
			for _, want := range []string{
				"uid=1000 gid=1000 hostname=probe-host cwd=/srv",
				"NoNewPrivs: 1",
				"Seccomp: 2",
				"CapBnd: " + capMask(DefaultCaps),
				"mount=operation not permitted",
				"env=yes",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("container output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func capMask(caps []string) string {
	var m uint64
	for i, c := range allCaps {
		for _, d := range caps {
			if c == d {
				m |= 1 << i
			}
		}
	}
	return fmt.Sprintf("%016x", m)
}

func buildProbe(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "probe")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/probe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build probe: %v\n%s", err, b)
	}
	return out
}

// hybridCgroupControllers returns the mount point of a cgroup2 file system
// mounted beside cgroup v1 hierarchies (hybrid mode) that holds controllers,
// or "" when there is none.
func hybridCgroupControllers() string {
	data, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[2] != "cgroup2" || f[1] == "/sys/fs/cgroup" {
			continue
		}
		if c, err := os.ReadFile(filepath.Join(f[1], "cgroup.controllers")); err == nil && len(bytes.TrimSpace(c)) > 0 {
			return f[1]
		}
	}
	return ""
}
