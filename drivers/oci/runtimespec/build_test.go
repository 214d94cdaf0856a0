package runtimespec

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func baseInput(t *testing.T) *Input {
	t.Helper()
	return &Input{
		ID:         "0123456789abcdef",
		Image:      ImageConfig{Entrypoint: []string{"/app"}, Cmd: []string{"serve"}, Env: []string{"PATH=/bin", "A=1"}, User: "app", WorkingDir: "/srv"},
		Rootfs:     rootfsWith(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup}),
		LocalDir:   "/t/local",
		SecretsDir: "/t/secrets",
		AllocDir:   "/a/alloc",
		Env:        map[string]string{"NOMAD_TASK_NAME": "web", "A": "2"},
		MemoryMB:   128, MemoryMaxMB: 256, CPUShares: 100, PidsLimit: 50,
		CgroupsPath: "/nomadish/t1",
		NetNSPath:   "/var/run/netns/t1",
	}
}

func TestBuildDefaults(t *testing.T) {
	s, err := Build(baseInput(t))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if !slices.Equal(p.Args, []string{"/app", "serve"}) || p.Cwd != "/srv" || p.User.UID != 1000 || p.User.GID != 1000 {
		t.Errorf("process = %+v", p)
	}
	if !slices.Equal(p.Env, []string{"PATH=/bin", "A=2", "NOMAD_TASK_NAME=web"}) {
		t.Errorf("env = %q", p.Env)
	}
	if !p.NoNewPrivileges {
		t.Error("no_new_privileges is off")
	}
	if !slices.Equal(p.Capabilities.Bounding, DefaultCaps) || !slices.Equal(p.Capabilities.Effective, DefaultCaps) || len(p.Capabilities.Ambient) != 0 {
		t.Errorf("caps = %+v", p.Capabilities)
	}
	if s.Hostname != "0123456789ab" || s.Root.Readonly {
		t.Errorf("hostname %q, root %+v", s.Hostname, s.Root)
	}
	if s.Linux.Seccomp == nil || !slices.Contains(denied(s.Linux.Seccomp), "mount") {
		t.Error("no default seccomp profile")
	}
	for _, m := range []string{"/proc/kcore", "/proc/keys", "/sys/firmware"} {
		if !slices.Contains(s.Linux.MaskedPaths, m) {
			t.Errorf("%s not masked", m)
		}
	}
	if !slices.Contains(s.Linux.ReadonlyPaths, "/proc/sys") {
		t.Error("/proc/sys writable")
	}
	if s.Linux.CgroupsPath != "/nomadish/t1" || *s.Linux.Resources.Memory.Limit != 256*mib || s.Linux.Resources.Pids.Limit != 50 {
		t.Errorf("linux = %+v", s.Linux)
	}
	dests := map[string]specs.Mount{}
	for _, m := range s.Mounts {
		dests[m.Destination] = m
	}
	for _, d := range []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/local", "/secrets", "/alloc"} {
		if _, ok := dests[d]; !ok {
			t.Errorf("no mount at %s", d)
		}
	}
	if !slices.Contains(dests["/sys"].Options, "ro") || !slices.Contains(dests["/sys/fs/cgroup"].Options, "ro") {
		t.Error("/sys or cgroup writable")
	}
	var net bool
	for _, n := range s.Linux.Namespaces {
		net = net || n.Type == specs.NetworkNamespace && n.Path == "/var/run/netns/t1"
	}
	if !net || len(s.Linux.Namespaces) != 6 {
		t.Errorf("namespaces = %+v", s.Linux.Namespaces)
	}
	if len(s.Linux.Devices) != len(standardDevices) {
		t.Errorf("devices = %+v", s.Linux.Devices)
	}
	// The spec is what goes to the runtime as config.json.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back specs.Spec
	if err := json.Unmarshal(b, &back); err != nil || back.Version != SpecVersion {
		t.Fatalf("round trip: %v", err)
	}
}

func TestBuildTaskOverrides(t *testing.T) {
	in := baseInput(t)
	in.Task = TaskOptions{Command: "/bin/x", WorkDir: "/w", User: "0:10", Hostname: "web-1", ReadonlyRootfs: true,
		CapDrop: []string{"ALL"}, CapAdd: []string{"NET_BIND_SERVICE"}, NetworkMode: "bridge",
		Mounts: []Mount{{Type: "tmpfs", Target: "/tmp"}}}
	s, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Process.Args, []string{"/app", "/bin/x"}) || s.Process.Cwd != "/w" || s.Process.User.UID != 0 || s.Process.User.GID != 10 {
		t.Errorf("process = %+v", s.Process)
	}
	if !s.Root.Readonly || s.Hostname != "web-1" {
		t.Errorf("root %+v hostname %q", s.Root, s.Hostname)
	}
	if !slices.Equal(s.Process.Capabilities.Bounding, []string{"CAP_NET_BIND_SERVICE"}) {
		t.Errorf("caps = %v", s.Process.Capabilities.Bounding)
	}
	if last := s.Mounts[len(s.Mounts)-1]; last.Destination != "/tmp" || !slices.Contains(last.Options, "size=64m") {
		t.Errorf("tmpfs = %+v", last)
	}
}

func TestBuildHostNetwork(t *testing.T) {
	in := baseInput(t)
	in.NetNSPath = ""
	in.Task.NetworkMode = "host"
	s, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range s.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace {
			t.Fatal("host network mode has a network namespace")
		}
	}
}

func TestBuildPrivileged(t *testing.T) {
	in := baseInput(t)
	in.Task.Privileged = true
	if _, err := Build(in); !errors.Is(err, ErrPrivilegedNotAllowed) {
		t.Fatalf("err = %v, want ErrPrivilegedNotAllowed", err)
	}
	in.Policy.AllowPrivileged = true
	s, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Process.Capabilities.Bounding, allCaps) || s.Linux.Seccomp != nil || len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
		t.Errorf("privileged spec is confined: caps %d seccomp %v masked %v", len(s.Process.Capabilities.Bounding), s.Linux.Seccomp, s.Linux.MaskedPaths)
	}
	if len(s.Linux.Namespaces) != 6 {
		t.Errorf("privileged lost namespaces: %+v", s.Linux.Namespaces)
	}
}

func TestBuildRefused(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Input)
		want string
	}{
		{"no rootfs", func(in *Input) { in.Rootfs = "" }, "rootfs"},
		{"relative rootfs", func(in *Input) { in.Rootfs = "rootfs" }, "an absolute host path"},
		{"unknown image user", func(in *Input) { in.Image.User = "ghost" }, `image config: User "ghost"`},
		{"unknown task user", func(in *Input) { in.Task.User = "ghost" }, `config: user "ghost"`},
		{"cap outside allow", func(in *Input) { in.Task.CapAdd = []string{"SYS_ADMIN"} }, "SYS_ADMIN is not allowed"},
		{"bind not allowed", func(in *Input) { in.Task.Mounts = []Mount{{Type: "bind", Source: "/etc", Target: "/x"}} }, "bind mounts are not allowed"},
		{"bad hostname", func(in *Input) { in.Task.Hostname = "a_b" }, "config: hostname"},
		{"long hostname", func(in *Input) { in.Task.Hostname = strings.Repeat("a", 64) }, "at most 63"},
		{"bad network mode", func(in *Input) { in.Task.NetworkMode = "weird" }, "network_mode"},
		{"memory", func(in *Input) { in.MemoryMaxMB = 64 }, "memory_max"},
		{"huge env", func(in *Input) { in.Env["BIG"] = strings.Repeat("x", maxArgBytes) }, "at most"},
		{"bad seccomp", func(in *Input) { in.Policy.SeccompProfile = "x.json" }, "seccomp_profile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := baseInput(t)
			c.edit(in)
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := Build(nil); err == nil {
		t.Error("nil input accepted")
	}
}
