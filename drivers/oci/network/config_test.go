package network

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{StateDir: "/var/lib/x/"}.withDefaults()
	if err != nil {
		t.Fatalf("withDefaults: %v", err)
	}
	if c.StateDir != "/var/lib/x" || c.NetNSDir != "/var/lib/x/netns" || c.BridgeName != DefaultBridgeName ||
		c.Subnet != DefaultSubnet || c.Timeout != DefaultTimeout || len(c.CNIPath) != 2 || c.Logger == nil {
		t.Fatalf("defaults not filled in: %+v", c)
	}
	c, err = Config{StateDir: "/s", Subnet: "10.1.2.3/16"}.withDefaults()
	if err != nil || c.Subnet != "10.1.0.0/16" {
		t.Fatalf("subnet not normalized: %q, %v", c.Subnet, err)
	}
}

func TestConfigInvalid(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "state_dir is empty"},
		{Config{StateDir: "rel"}, `state_dir "rel" is not absolute`},
		{Config{StateDir: "/s", NetNSDir: "rel"}, `netns_dir "rel" is not absolute`},
		{Config{StateDir: "/s", CNIPath: []string{"bin"}}, `cni_path entry "bin" is not absolute`},
		{Config{StateDir: "/s", BridgeName: "a-very-long-bridge-name"}, "must be 1 to 15 characters"},
		{Config{StateDir: "/s", BridgeName: "br/0"}, "must not be"},
		{Config{StateDir: "/s", Subnet: "172.26.64.0"}, "is not an IPv4 CIDR"},
		{Config{StateDir: "/s", Subnet: "fd00::/64"}, "is not an IPv4 CIDR"},
		{Config{StateDir: "/s", Subnet: "10.0.0.0/30"}, "too small"},
	}
	for _, tc := range cases {
		_, err := tc.cfg.withDefaults()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want ErrInvalidConfig containing %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(Config{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New(Config{}): err = %v, want ErrInvalidConfig", err)
	}
}
