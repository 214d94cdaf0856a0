package network

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/containernetworking/cni/libcni"
)

// cniVersion is the CNI spec version of the generated conflist; the
// plugins of containernetworking-plugins 1.x speak it.
const cniVersion = "1.0.0"

// requiredPlugins are the plugin binaries the conflist runs.
var requiredPlugins = []string{"bridge", "host-local", "loopback", "firewall", "portmap"}

// conflist builds the network configuration list of cfg:
//
//   - bridge: a veth pair from the container to cfg.BridgeName, which is
//     the gateway (isGateway), with outbound masquerade (ipMasq) and
//     hairpin mode so a container reaches its own forwarded ports; IPAM by
//     host-local from cfg.Subnet, leases kept in <StateDir>/ipam;
//   - loopback: brings lo up in the namespace; it passes the bridge's
//     result on unchanged;
//   - firewall: lets the container's traffic through the host's FORWARD
//     chain (which Docker, for one, sets to DROP);
//   - portmap: DNAT of host ports (the portMappings capability), with
//     snat so that 127.0.0.1:HostPort on the host works too (the plugin
//     sets route_localnet on the bridge for it).
func conflist(cfg Config) ([]byte, error) {
	doc := map[string]interface{}{
		"cniVersion": cniVersion,
		"name":       NetworkName,
		"plugins": []interface{}{
			map[string]interface{}{
				"type":        "bridge",
				"bridge":      cfg.BridgeName,
				"isGateway":   true,
				"ipMasq":      true,
				"hairpinMode": true,
				"ipam": map[string]interface{}{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": cfg.Subnet}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"dataDir": filepath.Join(cfg.StateDir, "ipam"),
				},
			},
			map[string]interface{}{
				"type": "loopback",
			},
			map[string]interface{}{
				"type":                   "firewall",
				"backend":                "iptables",
				"iptablesAdminChainName": AdminChainName,
			},
			map[string]interface{}{
				"type":         "portmap",
				"capabilities": map[string]bool{"portMappings": true},
				"snat":         true,
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode cni conflist: %w", err)
	}
	return b, nil
}

// parseConflist parses a conflist made by conflist (kept in a state file).
func parseConflist(b []byte) (*libcni.NetworkConfigList, error) {
	list, err := libcni.ConfListFromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("parse cni conflist: %w", err)
	}
	return list, nil
}
