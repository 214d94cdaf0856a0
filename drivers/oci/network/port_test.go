package network

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNormalizePorts(t *testing.T) {
	ok, err := normalizePorts([]PortMapping{
		{Label: "http", HostPort: 8080, ContainerPort: 80},
		{Label: "dns", HostPort: 8080, ContainerPort: 53, Protocol: "udp"},
		{Label: "a", HostPort: 9000, ContainerPort: 9000, HostIP: "127.0.0.1"},
		{Label: "b", HostPort: 9000, ContainerPort: 9001, HostIP: "127.0.0.2"},
	})
	if err != nil {
		t.Fatalf("normalizePorts: %v", err)
	}
	if ok[0].Protocol != "tcp" {
		t.Errorf("empty protocol became %q, want tcp", ok[0].Protocol)
	}

	cases := []struct {
		name  string
		ports []PortMapping
		want  string
	}{
		{"host port zero", []PortMapping{{Label: "web", HostPort: 0, ContainerPort: 80}}, "port web: host port 0 is out of range"},
		{"host port high", []PortMapping{{HostPort: 65536, ContainerPort: 80}}, "port #0: host port 65536 is out of range"},
		{"container port negative", []PortMapping{{HostPort: 80, ContainerPort: -1}}, "container port -1 is out of range"},
		{"protocol", []PortMapping{{HostPort: 80, ContainerPort: 80, Protocol: "sctp"}}, `protocol "sctp" is not accepted: give "tcp" or "udp"`},
		{"protocol case", []PortMapping{{HostPort: 80, ContainerPort: 80, Protocol: "TCP"}}, `protocol "TCP" is not accepted`},
		{"host ip", []PortMapping{{HostPort: 80, ContainerPort: 80, HostIP: "localhost"}}, `host IP "localhost" is not an IPv4 address`},
		{"host ip v6", []PortMapping{{HostPort: 80, ContainerPort: 80, HostIP: "::1"}}, `host IP "::1" is not an IPv4 address`},
		{"duplicate", []PortMapping{
			{Label: "a", HostPort: 80, ContainerPort: 80},
			{Label: "b", HostPort: 80, ContainerPort: 81},
		}, "port b: host port 80/tcp is also used by port a"},
		{"duplicate all and one", []PortMapping{
			{Label: "a", HostPort: 80, ContainerPort: 80, HostIP: "127.0.0.1"},
			{Label: "b", HostPort: 80, ContainerPort: 81},
		}, "port b: host port 80/tcp is also used by port a"},
		{"too many", make([]PortMapping, MaxPorts+1), "give at most 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := normalizePorts(tc.ports)
			if !errors.Is(err, ErrInvalidPort) {
				t.Fatalf("err = %v, want ErrInvalidPort", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// Bad ports and ids are refused before anything is created, so this needs
// no privileges.
func TestSetupRefusesBadInput(t *testing.T) {
	m, err := New(Config{StateDir: t.TempDir(), CNIPath: []string{t.TempDir()}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = m.Setup(context.Background(), "task-1", []PortMapping{{Label: "http", HostPort: 70000, ContainerPort: 80}})
	if !errors.Is(err, ErrInvalidPort) {
		t.Fatalf("Setup with host port 70000: err = %v, want ErrInvalidPort", err)
	}
	for _, id := range []string{"", "../x", "a/b", ".hidden", "-x", "a b", strings.Repeat("a", 129)} {
		if _, err := m.Setup(context.Background(), id, nil); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Setup(%q): err = %v, want ErrInvalidID", id, err)
		}
		if err := m.Teardown(context.Background(), id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Teardown(%q): err = %v, want ErrInvalidID", id, err)
		}
	}
	for _, id := range []string{"a", "alloc-1.web_0", strings.Repeat("a", 128)} {
		if err := validateID(id); err != nil {
			t.Errorf("validateID(%q): %v", id, err)
		}
	}
}
