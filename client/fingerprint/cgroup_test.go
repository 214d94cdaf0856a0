package fingerprint

import "testing"

func TestCgroup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		root    string
		version string
		mount   string
	}{
		{"v2 controllers file", x86Root, "2", "/sys/fs/cgroup"},
		{"v1 hybrid", armRoot, "1", "/sys/fs/cgroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := run(t, &Cgroup{}, &Request{Root: tc.root})
			if err != nil {
				t.Fatal(err)
			}
			if !resp.Detected {
				t.Fatal("not detected")
			}
			wantAttrs(t, resp, map[string]string{"os.cgroups.version": tc.version, "unique.cgroup.mountpoint": tc.mount})
		})
	}
}

func TestCgroup_FromMountsOnly(t *testing.T) {
	for _, tc := range []struct {
		name, mounts, version string
	}{
		{"v2 mount", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n", "2"},
		{"v1 only", "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n", "1"},
		{"v2 elsewhere", "cgroup2 /run/cg cgroup2 rw 0 0\n", "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"proc/mounts": tc.mounts})
			resp, err := run(t, &Cgroup{}, &Request{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			wantAttrs(t, resp, map[string]string{"os.cgroups.version": tc.version})
		})
	}
}

func TestCgroup_NoneIsNotAnError(t *testing.T) {
	for name, root := range map[string]string{
		"no mount table": t.TempDir(),
		"no cgroups":     writeTree(t, map[string]string{"proc/self/mounts": "/dev/sda1 / ext4 rw 0 0\n"}),
	} {
		resp, err := run(t, &Cgroup{}, &Request{Root: root})
		if err != nil || resp.Detected || len(resp.Attributes) != 0 {
			t.Errorf("%s: err=%v detected=%v attrs=%v; want nothing", name, err, resp.Detected, resp.Attributes)
		}
	}
}
