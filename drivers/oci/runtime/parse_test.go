package runtime

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 23 0:40 /sub /mnt/with\040space rw - cgroup2 cgroup2 rw
`

func TestResolveCgroupsHybrid(t *testing.T) {
	mounts := parseCgroupMounts([]byte(hybridMountinfo))
	if len(mounts) != 6 || mounts[5].point != "/mnt/with space" || mounts[5].root != "/sub" {
		t.Fatalf("mounts = %+v", mounts)
	}
	proc := "4:memory:/c/id\n2:cpu,cpuacct:/c/id\n8:pids:/c/id\n9:name=systemd:/\n0::/c/id\n"
	got := resolveCgroups([]byte(proc), mounts)
	want := cgroups{
		V2: "/sys/fs/cgroup/unified/c/id",
		V1: map[string]string{
			"memory": "/sys/fs/cgroup/memory/c/id", "cpu": "/sys/fs/cgroup/cpu,cpuacct/c/id",
			"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/c/id", "pids": "/sys/fs/cgroup/pids/c/id",
			"systemd": "/sys/fs/cgroup/systemd",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("cgroups = %+v\nwant      %+v", got, want)
	}
}

func TestJoinCgroupRefusesPathsOutsideTheMount(t *testing.T) {
	m := cgroupMount{point: "/sys/fs/cgroup", root: "/ns"}
	if dir, ok := joinCgroup(m, "/ns/a"); !ok || dir != "/sys/fs/cgroup/a" {
		t.Fatalf("joinCgroup inside = %q, %v", dir, ok)
	}
	for _, p := range []string{"/other", "/ns/../etc"} {
		if dir, ok := joinCgroup(m, p); ok {
			t.Fatalf("joinCgroup(%q) = %q, want refused", p, dir)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for out, want := range map[string]string{
		"runc version 1.1.5+ds1\ncommit: 1.1.5\nspec: 1.0.2-dev\n": "1.1.5+ds1",
		"crun version 1.8.1\ncommit: f8a0\nrundir: /run/crun\n":    "1.8.1",
		"nonsense": "",
	} {
		if got := parseVersion(out); got != want {
			t.Errorf("parseVersion(%q) = %q, want %q", out, got, want)
		}
	}
}

func TestRuntimeLogErrors(t *testing.T) {
	log := `{"level":"warning","msg":"ignored"}
{"level":"error","msg":"exec: \"/bin/missing\": no such file"}
not json
`
	if got, want := runtimeLogErrors(log), `exec: "/bin/missing": no such file; not json`; got != want {
		t.Fatalf("runtimeLogErrors = %q, want %q", got, want)
	}
}

func TestResolveRuntimeErrors(t *testing.T) {
	for in, want := range map[string]string{
		"podman":         "unknown runtime",
		"bin/runc":       "relative",
		"/nonexistent/x": "no such file",
		"/etc":           "not an executable",
	} {
		if _, _, err := resolveRuntime(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resolveRuntime(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestCheckSaysWhatIsMissing(t *testing.T) {
	files := map[string]string{"/sys/fs/cgroup/unified/cgroup.controllers": "hugetlb\n", "/proc/sys/user/max_user_namespaces": "0\n"}
	probe := hostProbe{
		euid:      1000,
		mountinfo: func() ([]byte, error) { return []byte(hybridMountinfo), nil },
		exists:    func(p string) bool { return p != "/proc/self/ns/net" },
		readFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, os.ErrNotExist
		},
		findBinary: func(name string) (string, string, error) { return name, "/usr/bin/" + name, nil },
	}
	version := func(context.Context, string) (string, error) { return "1.8.1", nil }
	h := check(context.Background(), RuntimeCrun, probe, version)
	desc := h.Description()
	for _, want := range []string{"not running as root (uid 1000)", "no net namespaces", "hybrid mode with controllers (hugetlb)"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description %q lacks %q", desc, want)
		}
	}
	if h.Healthy || h.Attributes[AttrRuntime] != "crun" || h.Attributes[AttrRuntimeVersion] != "1.8.1" || h.Attributes[AttrCgroup] != "v1" || h.Attributes["driver.oci.user_namespaces"] != "false" {
		t.Fatalf("health = %+v", h)
	}

	probe.euid = 0
	probe.exists = func(string) bool { return true }
	if h := check(context.Background(), RuntimeRunc, probe, version); !h.Healthy {
		t.Fatalf("runc on a hybrid host as root: %s, want healthy", h.Description())
	}
	probe.findBinary = func(string) (string, string, error) { return "", "", errors.New("runc binary not found") }
	probe.mountinfo = func() ([]byte, error) { return nil, nil }
	h = check(context.Background(), RuntimeRunc, probe, version)
	for _, want := range []string{"runc binary not found", "no cgroup file system mounted"} {
		if !strings.Contains(h.Description(), want) {
			t.Errorf("description %q lacks %q", h.Description(), want)
		}
	}
}

var testTime = time.Unix(1700000000, 0)

func TestExitString(t *testing.T) {
	for _, tc := range []struct {
		e    Exit
		want string
	}{
		{Exit{Code: 3}, "exited with code 3"},
		{Exit{Code: 137, Signal: 9}, "killed by signal killed (9)"},
		{Exit{Code: 137, Signal: 9, OOMKilled: true}, "OOM killed"},
		{Exit{Err: "create failed"}, "create failed"},
	} {
		if got := tc.e.String(); !strings.Contains(got, tc.want) {
			t.Errorf("%+v.String() = %q, want %q", tc.e, got, tc.want)
		}
	}
	if e := exitFromStatus(syscall.WaitStatus(9), testTime); e.Signal != 9 || e.Code != 137 {
		t.Errorf("exitFromStatus(SIGKILL) = %+v", e)
	}
	if e := exitFromStatus(syscall.WaitStatus(3<<8), testTime); e.Code != 3 || e.Signal != 0 {
		t.Errorf("exitFromStatus(exit 3) = %+v", e)
	}
}
