package plugin

import (
	"context"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// PluginName is the name a driver is served under in PluginMap.
const PluginName = "driver"

// Handshake is what a client and a driver plugin must agree on before
// talking. The magic cookie only stops a user from running a plugin binary
// by hand by mistake; it is not a security measure.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "NOMADISH_DRIVER_PLUGIN",
	MagicCookieValue: "8d5f3c1e-driver-plugin-v1",
}

// PluginMap is the go-plugin plugin set of a client dispensing a driver.
var PluginMap = map[string]goplugin.Plugin{
	PluginName: &GRPCPlugin{},
}

// GRPCPlugin is the go-plugin Plugin for drivers over gRPC. Impl is set on
// the plugin side only.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Impl DriverPlugin
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the driver with the plugin's gRPC server.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	proto.RegisterDriverServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns a DriverPlugin calling over conn. ctx is cancelled
// when the plugin connection closes.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return &grpcClient{client: proto.NewDriverClient(conn), doneCtx: ctx}, nil
}

// Serve serves driver as a plugin and returns when the client kills the
// plugin. Call it from a plugin binary's main (for nomadish, the plugin
// sub-command); it must run before anything writes to stdout, which
// go-plugin uses for its handshake.
func Serve(driver DriverPlugin, logger hclog.Logger) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         map[string]goplugin.Plugin{PluginName: &GRPCPlugin{Impl: driver}},
		GRPCServer:      goplugin.DefaultGRPCServer,
		Logger:          logger,
	})
}
