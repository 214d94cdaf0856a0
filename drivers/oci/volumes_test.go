package oci

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/plugin"
)

// TestHostVolumes: a host volume from the client is visible inside the
// container without allow_bind_mounts, writable unless read-only is asked,
// and then a write fails and leaves the host directory as it was.
func TestHostVolumes(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "from-host"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	ls := newTaskConfig(t, "ls")
	ls.Mounts = []plugin.MountConfig{{TaskPath: "/data", HostPath: host, Readonly: true}}
	taskbin(t, ls, nil, "ls", "/data")
	if r, out := run(t, d, ls); !r.Successful() || strings.TrimSpace(out) != "from-host" {
		t.Fatalf("ls /data = %+v, %q; want from-host", r, out)
	}

	rw := newTaskConfig(t, "rw")
	rw.Mounts = []plugin.MountConfig{{TaskPath: "/srv/data", HostPath: host}}
	taskbin(t, rw, nil, "write", "/srv/data/from-task", "written")
	if r, _ := run(t, d, rw); !r.Successful() {
		t.Fatalf("write to a writable volume = %+v; stderr %q", r, readLog(t, rw.StderrPath))
	}
	if b, err := os.ReadFile(filepath.Join(host, "from-task")); err != nil || string(b) != "written" {
		t.Fatalf("host sees %q, %v; want the task's write", b, err)
	}

	ro := newTaskConfig(t, "ro")
	ro.Mounts = []plugin.MountConfig{{TaskPath: "/data", HostPath: host, Readonly: true}}
	taskbin(t, ro, nil, "write", "/data/denied", "x")
	if r, _ := run(t, d, ro); r.Successful() {
		t.Fatalf("write to a read-only volume succeeded: %+v", r)
	}
	if errOut := readLog(t, ro.StderrPath); !strings.Contains(errOut, "read-only file system") {
		t.Fatalf("stderr %q, want a read-only file system error", errOut)
	}
	if _, err := os.Stat(filepath.Join(host, "denied")); !os.IsNotExist(err) {
		t.Fatalf("a read-only volume took a write on the host: %v", err)
	}
}

// TestHostVolumeReservedTarget: a host volume may not cover the task's
// /secrets; the task fails to start, saying why.
func TestHostVolumeReservedTarget(t *testing.T) {
	needContainers(t)
	d := newDriver(t)
	cfg := newTaskConfig(t, "reserved")
	cfg.Mounts = []plugin.MountConfig{{TaskPath: "/secrets", HostPath: t.TempDir()}}
	taskbin(t, cfg, nil, "ls", "/secrets")
	_, err := d.StartTask(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "volume_mount[0]: target /secrets: /secrets is reserved") {
		t.Fatalf("StartTask = %v, want the reserved target refused", err)
	}
	if plugin.IsRecoverable(err) {
		t.Fatalf("a reserved target is retried: %v", err)
	}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}
