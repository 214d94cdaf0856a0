package runtimespec

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNamespaces(t *testing.T) {
	cases := []struct {
		mode, netns string
		net         bool   // a network namespace is in the list
		netPath     string // and its path
	}{
		{"", "", true, ""},
		{"", "/var/run/netns/t1", true, "/var/run/netns/t1"},
		{"bridge", "/var/run/netns/t1", true, "/var/run/netns/t1"},
		{"none", "", true, ""},
		{"host", "", false, ""},
	}
	for _, c := range cases {
		ns, err := Namespaces(c.mode, c.netns)
		if err != nil {
			t.Fatalf("Namespaces(%q, %q): %v", c.mode, c.netns, err)
		}
		have := map[specs.LinuxNamespaceType]string{}
		for _, n := range ns {
			have[n.Type] = n.Path
		}
		for _, typ := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.MountNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace} {
			if p, ok := have[typ]; !ok || p != "" {
				t.Errorf("mode %q: %s namespace missing or joined (%q)", c.mode, typ, p)
			}
		}
		p, ok := have[specs.NetworkNamespace]
		if ok != c.net || p != c.netPath {
			t.Errorf("mode %q netns %q: network namespace present=%v path=%q, want %v %q", c.mode, c.netns, ok, p, c.net, c.netPath)
		}
		if _, ok := have[specs.UserNamespace]; ok {
			t.Errorf("mode %q: a user namespace without id mappings", c.mode)
		}
	}
}

func TestNamespacesRefused(t *testing.T) {
	for _, c := range []struct{ mode, netns, want string }{
		{"bridge", "", "needs the network namespace"},
		{"host", "/var/run/netns/x", "conflicts"},
		{"none", "/var/run/netns/x", "conflicts"},
		{"", "netns/x", "an absolute path"},
		{"overlay", "", `"bridge", "host" or "none" is accepted`},
	} {
		if _, err := Namespaces(c.mode, c.netns); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Namespaces(%q, %q) err = %v, want %q", c.mode, c.netns, err, c.want)
		}
	}
}
