package network

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
)

// Network is what Setup made for one container.
type Network struct {
	// ID is the id Setup was given.
	ID string `json:"id"`

	// NetNSPath is the pinned network namespace; the driver puts it in the
	// container spec's network namespace path.
	NetNSPath string `json:"netns_path"`

	// Interface is the container's interface (ContainerIfName) and MAC its
	// hardware address.
	Interface string `json:"interface"`
	MAC       string `json:"mac,omitempty"`

	// IP is the container's IPv4 address, Prefix its length on the
	// bridge's subnet, and Gateway the bridge's address.
	IP      string `json:"ip"`
	Prefix  int    `json:"prefix"`
	Gateway string `json:"gateway"`

	// Ports are the forwards in place, with defaults filled in.
	Ports []PortMapping `json:"ports,omitempty"`
}

// fromResult fills n's addresses from the result of the conflist's ADD.
func (n *Network) fromResult(r types.Result) error {
	res, err := current.NewResultFromResult(r)
	if err != nil {
		return fmt.Errorf("read cni result: %w", err)
	}
	for _, ipc := range res.IPs {
		if ipc.Address.IP.To4() == nil {
			continue
		}
		if ipc.Interface != nil && *ipc.Interface >= 0 && *ipc.Interface < len(res.Interfaces) {
			iface := res.Interfaces[*ipc.Interface]
			if iface.Sandbox == "" {
				continue // the bridge's own address
			}
			n.MAC = iface.Mac
		}
		ones, _ := ipc.Address.Mask.Size()
		n.IP = ipc.Address.IP.String()
		n.Prefix = ones
		if ipc.Gateway != nil {
			n.Gateway = ipc.Gateway.String()
		}
		return nil
	}
	b, _ := json.Marshal(res)
	return fmt.Errorf("%w: the bridge plugin returned no IPv4 address for %s (result: %.512s)", ErrCNI, n.Interface, b)
}

// inSubnet reports whether ip is in cidr.
func inSubnet(ip, cidr string) bool {
	_, subnet, err := net.ParseCIDR(cidr)
	return err == nil && subnet.Contains(net.ParseIP(ip))
}
