package plugin

import (
	"fmt"
	"net"
	"os/exec"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// ReattachConfig is what a client agent stores to find a running plugin
// process again after it restarts. Unlike go-plugin's own, it is plain
// data and survives a round trip through JSON.
type ReattachConfig struct {
	Protocol        string `json:"protocol"`
	ProtocolVersion int    `json:"protocol_version"`
	// Network is "unix" or "tcp"; Addr the socket path or host:port.
	Network string `json:"network"`
	Addr    string `json:"addr"`
	Pid     int    `json:"pid"`
}

func reattachFromGoPlugin(rc *goplugin.ReattachConfig) *ReattachConfig {
	return &ReattachConfig{
		Protocol:        string(rc.Protocol),
		ProtocolVersion: rc.ProtocolVersion,
		Network:         rc.Addr.Network(),
		Addr:            rc.Addr.String(),
		Pid:             rc.Pid,
	}
}

func (c *ReattachConfig) goPlugin() (*goplugin.ReattachConfig, error) {
	var addr net.Addr
	var err error
	switch c.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", c.Addr)
	case "tcp":
		addr, err = net.ResolveTCPAddr("tcp", c.Addr)
	default:
		return nil, fmt.Errorf("reattach config: network %q, want unix or tcp", c.Network)
	}
	if err != nil {
		return nil, fmt.Errorf("reattach config: address %q: %w", c.Addr, err)
	}
	return &goplugin.ReattachConfig{
		Protocol:        goplugin.Protocol(c.Protocol),
		ProtocolVersion: c.ProtocolVersion,
		Addr:            addr,
		Pid:             c.Pid,
	}, nil
}

// Client is a connection to a driver plugin process.
type Client struct {
	// Driver is the plugin's driver; calls go over gRPC.
	Driver DriverPlugin
	raw    *goplugin.Client
}

// Kill shuts the plugin process down (gracefully, then by force). A
// client agent that only restarts must not call it, so that the plugin
// and its tasks live on.
func (c *Client) Kill() { c.raw.Kill() }

// Exited reports whether the plugin process has exited.
func (c *Client) Exited() bool { return c.raw.Exited() }

// Launch starts cmdPath with args as a driver plugin and connects to it.
func Launch(cmdPath string, args []string, logger hclog.Logger) (*Client, *ReattachConfig, error) {
	return LaunchCmd(exec.Command(cmdPath, args...), logger)
}

// LaunchCmd is Launch for a prepared command, e.g. one with extra
// environment. go-plugin adds the handshake cookie and the agent's own
// environment to cmd.Env.
func LaunchCmd(cmd *exec.Cmd, logger hclog.Logger) (*Client, *ReattachConfig, error) {
	raw := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          PluginMap,
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
	})
	c, err := dispense(raw)
	if err != nil {
		raw.Kill()
		return nil, nil, fmt.Errorf("launch driver plugin %q: %w", cmd.Path, err)
	}
	return c, reattachFromGoPlugin(raw.ReattachConfig()), nil
}

// Reattach connects to a plugin process that an earlier client launched.
func Reattach(cfg *ReattachConfig, logger hclog.Logger) (*Client, error) {
	rc, err := cfg.goPlugin()
	if err != nil {
		return nil, err
	}
	raw := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          PluginMap,
		Reattach:         rc,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
	})
	c, err := dispense(raw)
	if err != nil {
		return nil, fmt.Errorf("reattach to driver plugin pid %d: %w", cfg.Pid, err)
	}
	return c, nil
}

func dispense(raw *goplugin.Client) (*Client, error) {
	rpc, err := raw.Client()
	if err != nil {
		return nil, err
	}
	d, err := rpc.Dispense(PluginName)
	if err != nil {
		return nil, err
	}
	driver, ok := d.(DriverPlugin)
	if !ok {
		return nil, fmt.Errorf("plugin dispensed %T, not a driver", d)
	}
	return &Client{Driver: driver, raw: raw}, nil
}
