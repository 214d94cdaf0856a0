package runtimespec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestUserMountsAllowed(t *testing.T) {
	data := t.TempDir()
	if err := os.Mkdir(filepath.Join(data, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	pol := Policy{AllowBindMounts: true, AllowedBindSources: []string{data}}
	got, err := userMounts([]Mount{
		{Type: "bind", Source: filepath.Join(data, "db"), Target: "/var/lib/db", Readonly: true},
		{Type: "bind", Source: data, Target: "/data"},
		{Type: "tmpfs", Target: "/tmp"},
		{Type: "tmpfs", Target: "/cache", SizeMB: 200},
	}, pol, 256)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d mounts, want 4", len(got))
	}
	if got[0].Source != filepath.Join(data, "db") || got[0].Type != "bind" || !slices.Contains(got[0].Options, "ro") || !slices.Contains(got[0].Options, "rbind") {
		t.Errorf("bind mount = %+v", got[0])
	}
	if slices.Contains(got[1].Options, "ro") {
		t.Errorf("read-write bind has ro: %+v", got[1])
	}
	if !slices.Contains(got[2].Options, "size=64m") || !slices.Contains(got[3].Options, "size=200m") {
		t.Errorf("tmpfs sizes: %v, %v", got[2].Options, got[3].Options)
	}
}

func TestUserMountsRefused(t *testing.T) {
	data := t.TempDir()
	other := t.TempDir()
	if err := os.Symlink(other, filepath.Join(data, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(data+"x", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(data + "x") })
	allow := Policy{AllowBindMounts: true, AllowedBindSources: []string{data}}
	cases := []struct {
		name string
		m    Mount
		pol  Policy
		want string
	}{
		{"bind not allowed", Mount{Type: "bind", Source: data, Target: "/d"}, Policy{}, "bind mounts are not allowed"},
		{"no allowed sources", Mount{Type: "bind", Source: data, Target: "/d"}, Policy{AllowBindMounts: true}, "lists no bind_mount_sources"},
		{"relative source", Mount{Type: "bind", Source: "data", Target: "/d"}, allow, "an absolute host path is expected"},
		{"unclean source", Mount{Type: "bind", Source: data + "/../" + filepath.Base(data), Target: "/d"}, allow, "write it cleaned"},
		{"outside allowed", Mount{Type: "bind", Source: other, Target: "/d"}, allow, "is not under an allowed bind source"},
		{"prefix is not under", Mount{Type: "bind", Source: data + "x", Target: "/d"}, allow, "is not under an allowed bind source"},
		{"symlink out", Mount{Type: "bind", Source: filepath.Join(data, "escape"), Target: "/d"}, allow, "which leads to"},
		{"relative target", Mount{Type: "tmpfs", Target: "tmp"}, allow, "an absolute path in the container"},
		{"unclean target", Mount{Type: "tmpfs", Target: "/tmp/../etc"}, allow, "write it cleaned"},
		{"root target", Mount{Type: "tmpfs", Target: "/"}, allow, "cannot replace the container's root"},
		{"over /proc", Mount{Type: "tmpfs", Target: "/proc"}, allow, "/proc is reserved"},
		{"under /sys", Mount{Type: "tmpfs", Target: "/sys/kernel"}, allow, "/sys is reserved"},
		{"under /dev", Mount{Type: "tmpfs", Target: "/dev/shm"}, allow, "/dev is reserved"},
		{"over /secrets", Mount{Type: "bind", Source: data, Target: "/secrets"}, allow, "/secrets is reserved"},
		{"over /etc/hosts", Mount{Type: "tmpfs", Target: "/etc/hosts"}, allow, "provided by the driver"},
		{"bad type", Mount{Type: "volume", Target: "/d"}, allow, `type "volume"`},
		{"tmpfs with source", Mount{Type: "tmpfs", Source: "/x", Target: "/d"}, allow, "takes no source"},
		{"tmpfs too big", Mount{Type: "tmpfs", Target: "/d", SizeMB: 257}, allow, "1 to 256 MiB"},
		{"tmpfs negative", Mount{Type: "tmpfs", Target: "/d", SizeMB: -1}, allow, "is accepted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := userMounts([]Mount{c.m}, c.pol, 256)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "mount[0]") {
				t.Fatalf("err = %v, want it to name mount[0] and contain %q", err, c.want)
			}
		})
	}
	t.Run("duplicate target", func(t *testing.T) {
		_, err := userMounts([]Mount{{Type: "tmpfs", Target: "/d"}, {Type: "tmpfs", Target: "/d"}}, allow, 0)
		if err == nil || !strings.Contains(err.Error(), "mount[1]: target /d is also the target of mount[0]") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("tmpfs bound without memory limit", func(t *testing.T) {
		if _, err := userMounts([]Mount{{Type: "tmpfs", Target: "/d", SizeMB: MaxTmpfsMB + 1}}, allow, 0); err == nil {
			t.Fatal("accepted")
		}
	})
}

func TestTaskMounts(t *testing.T) {
	in := &Input{LocalDir: "/t/local", SecretsDir: "/t/secrets", AllocDir: "/a/alloc",
		HostsPath: "/t/etc/hosts", ResolvConfPath: "/t/etc/resolv.conf", HostnamePath: "/t/etc/hostname"}
	want := map[string]string{"/local": "/t/local", "/secrets": "/t/secrets", "/alloc": "/a/alloc",
		"/etc/hosts": "/t/etc/hosts", "/etc/resolv.conf": "/t/etc/resolv.conf", "/etc/hostname": "/t/etc/hostname"}
	got := taskMounts(in)
	if len(got) != len(want) {
		t.Fatalf("%d mounts, want %d", len(got), len(want))
	}
	for _, m := range got {
		if want[m.Destination] != m.Source || m.Type != "bind" {
			t.Errorf("mount %+v", m)
		}
		if m.Destination == "/secrets" && !slices.Contains(m.Options, "noexec") {
			t.Errorf("/secrets is executable: %v", m.Options)
		}
		if strings.HasPrefix(m.Destination, "/etc/") && !slices.Contains(m.Options, "ro") {
			t.Errorf("%s is writable: %v", m.Destination, m.Options)
		}
	}
	if n := len(taskMounts(&Input{})); n != 0 {
		t.Errorf("%d mounts for no directories", n)
	}
}
