package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// needRuntime skips unless the test runs as root with the runtime
// installed, and returns a Runtime with fresh state dirs.
func needRuntime(t testing.TB, name string) *Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("containers need root; running as uid %d", os.Geteuid())
	}
	if _, _, err := resolveRuntime(name); err != nil {
		t.Skipf("runtime %s is not installed: %v", name, err)
	}
	if h := Check(context.Background(), name); name == RuntimeCrun && !h.Healthy {
		// Only crun may be refused by the host's cgroup layout (it
		// refuses hybrid cgroups that runc handles); runc must work.
		t.Skipf("crun cannot run on this host: %s", h.Description())
	}
	if ctrBinary == "" {
		t.Fatal("testdata/ctr was not built")
	}
	base := t.TempDir()
	rt, err := New(testConfig(name, filepath.Join(base, "state"), filepath.Join(base, "root")))
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// runtimes are the runtimes every container test runs on.
var runtimes = []string{RuntimeRunc, RuntimeCrun}

type bundleOpts struct {
	args        []string
	memoryLimit int64 // bytes; 0 is none
}

// makeBundle builds an OCI bundle: a read-only rootfs holding the ctr
// program and a config.json with the usual namespaces and mounts.
func makeBundle(t testing.TB, id string, o bundleOpts) string {
	t.Helper()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, ctrBinary, filepath.Join(rootfs, "bin", "ctr"))
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"}
	spec := specs.Spec{
		// crun 1.8 (Debian 12) refuses spec versions newer than it knows
		// ("unknown version specified"); 1.0.2 is what both accept.
		Version: "1.0.2",
		Root:    &specs.Root{Path: "rootfs", Readonly: true},
		Process: &specs.Process{
			Args: append([]string{"/bin/ctr"}, o.args...),
			Env:  []string{"PATH=/bin"},
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			NoNewPrivileges: true,
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		},
		Hostname: "ctr",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "size=16m"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.NetworkNamespace},
			},
			CgroupsPath: "/nomadish-runtime-test/" + id,
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
			MaskedPaths:   []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
	if o.memoryLimit > 0 {
		limit, swap := o.memoryLimit, o.memoryLimit
		spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &swap}
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// cleanupContainer makes sure nothing of container id outlives the test:
// its monitor and init are killed by pid and the runtime forgets it. It
// then checks that both processes are gone.
func cleanupContainer(t testing.TB, rt *Runtime, id string, pids ...procID) {
	t.Cleanup(func() {
		for _, p := range pids {
			if p.alive() {
				syscall.Kill(p.PID, syscall.SIGKILL)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		exec.CommandContext(ctx, rt.Path(), "--root", rt.cfg.Root, "delete", "--force", id).Run()
		for _, p := range pids {
			waitUntil(t, 10*time.Second, func() bool { return !p.alive() }, "process %d still alive", p.PID)
		}
	})
}

// track registers c's processes for cleanupContainer.
func track(t testing.TB, rt *Runtime, c *Container) {
	cleanupContainer(t, rt, c.ID(), c.monitor, c.init)
}

// waitUntil polls cond (a real process is involved) until it holds or
// the bound passes.
func waitUntil(t testing.TB, bound time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(format, args...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logFile is a fresh stdout/stderr file path.
func logFile(t testing.TB, name string) string {
	return filepath.Join(t.TempDir(), name)
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// waitOutput waits until the file at path contains want.
func waitOutput(t testing.TB, path, want string) {
	t.Helper()
	waitUntil(t, 10*time.Second, func() bool { return strings.Contains(readFile(t, path), want) },
		"%s never contained %q; it holds %q", path, want, readFile(t, path))
}
