package oci

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/drivers/oci/network"
	"github.com/nomadish/nomadish/drivers/plugin"
)

// Names of the task environment variables the client sets for each port
// label of the allocation's network (client/taskenv): the port on the
// host, and the port the task binds (its `to`, else the host port).
const (
	hostPortEnvPrefix = "NOMAD_HOST_PORT_"
	portEnvPrefix     = "NOMAD_PORT_"
	hostIPEnvPrefix   = "NOMAD_HOST_IP_"
)

// cniNetwork is the Network of network_mode "bridge": a network namespace
// per container on the driver's CNI bridge, with the allocation's ports
// forwarded from the host to the container.
type cniNetwork struct {
	m *network.Manager
}

// newCNINetwork makes the bridge network under dataDir/network.
func newCNINetwork(conf *pluginConfig, logger hclog.Logger) (*cniNetwork, error) {
	m, err := network.New(network.Config{
		CNIPath:    conf.CNIPath,
		StateDir:   filepath.Join(conf.DataDir, "network"),
		BridgeName: conf.BridgeName,
		Subnet:     conf.BridgeSubnet,
		Logger:     logger,
	})
	if err != nil {
		return nil, err
	}
	return &cniNetwork{m: m}, nil
}

// Setup makes (or finds again, after a restart) the container's network
// namespace and forwards the task's ports into it.
func (n *cniNetwork) Setup(ctx context.Context, containerID string, cfg *plugin.TaskConfig) (string, error) {
	if err := n.m.Check(); err != nil {
		return "", err
	}
	ports, err := taskPorts(cfg.Env)
	if err != nil {
		return "", err
	}
	net, err := n.m.Setup(ctx, containerID, ports)
	if errors.Is(err, network.ErrExists) {
		net, err = n.m.Get(containerID)
	}
	if err != nil {
		return "", err
	}
	return net.NetNSPath, nil
}

func (n *cniNetwork) Teardown(ctx context.Context, containerID string) error {
	return n.m.Teardown(ctx, containerID)
}

// taskPorts reads the allocation's ports from the task's environment, as
// the client sets it: every label with a NOMAD_HOST_PORT_<label> is
// forwarded from that host port (on NOMAD_HOST_IP_<label> when set) to
// NOMAD_PORT_<label> in the container, over TCP and UDP.
func taskPorts(env map[string]string) ([]network.PortMapping, error) {
	var labels []string
	for k := range env {
		if strings.HasPrefix(k, hostPortEnvPrefix) {
			labels = append(labels, strings.TrimPrefix(k, hostPortEnvPrefix))
		}
	}
	sort.Strings(labels)
	var out []network.PortMapping
	for _, l := range labels {
		host, err := strconv.Atoi(env[hostPortEnvPrefix+l])
		if err != nil {
			return nil, fmt.Errorf("port %q: %s%s=%q is not a port number", l, hostPortEnvPrefix, l, env[hostPortEnvPrefix+l])
		}
		to := host
		if v, ok := env[portEnvPrefix+l]; ok {
			if to, err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("port %q: %s%s=%q is not a port number", l, portEnvPrefix, l, v)
			}
		}
		for _, proto := range []string{"tcp", "udp"} {
			out = append(out, network.PortMapping{Label: l, HostPort: host, ContainerPort: to, Protocol: proto,
				HostIP: hostIP(env[hostIPEnvPrefix+l])})
		}
	}
	return out, nil
}

// hostIP keeps a host IP that binds one address; the client's default of
// every address is "".
func hostIP(ip string) string {
	if ip == "0.0.0.0" || ip == "::" {
		return ""
	}
	return ip
}
