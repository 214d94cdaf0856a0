package network

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestConflist(t *testing.T) {
	cfg, err := Config{StateDir: "/state", BridgeName: "br9", Subnet: "10.9.0.0/24"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	b, err := conflist(cfg)
	if err != nil {
		t.Fatal(err)
	}
	list, err := parseConflist(b)
	if err != nil {
		t.Fatalf("libcni refuses the generated conflist: %v\n%s", err, b)
	}
	if list.Name != NetworkName || list.CNIVersion != cniVersion {
		t.Errorf("name %q version %q", list.Name, list.CNIVersion)
	}
	var types []string
	for _, p := range list.Plugins {
		types = append(types, p.Network.Type)
	}
	if got, want := types, []string{"bridge", "loopback", "firewall", "portmap"}; !equal(got, want) {
		t.Fatalf("plugins %v, want %v", got, want)
	}
	var bridge struct {
		Bridge string `json:"bridge"`
		IPAM   struct {
			Type    string                `json:"type"`
			Ranges  [][]map[string]string `json:"ranges"`
			DataDir string                `json:"dataDir"`
		} `json:"ipam"`
	}
	if err := json.Unmarshal(list.Plugins[0].Bytes, &bridge); err != nil {
		t.Fatal(err)
	}
	if bridge.Bridge != "br9" || bridge.IPAM.Type != "host-local" || bridge.IPAM.Ranges[0][0]["subnet"] != "10.9.0.0/24" ||
		bridge.IPAM.DataDir != filepath.Join("/state", "ipam") {
		t.Fatalf("bridge plugin config: %+v", bridge)
	}
	if !list.Plugins[3].Network.Capabilities["portMappings"] {
		t.Fatalf("portmap does not declare the portMappings capability: %s", list.Plugins[3].Bytes)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
