// Package pluginmanager runs the client agent's task driver plugins: each
// configured driver as its own `nomadish plugin <driver>` process, reached
// over hashicorp/go-plugin gRPC through package drivers/plugin.
//
// The flow: Start reads the state file of reattach configs, re-attaches to
// every plugin process that still answers and launches the rest, then
// writes the state file again. A health loop, paced by an injected Clock,
// pings each plugin; a dead one (process gone or RPC failing) is relaunched
// with a bounded back-off and OnRestart tells the client to recover that
// driver's tasks. Every launched or re-attached plugin is handed its
// plugin config (SetConfig) and, when Config.DataDir is set, a directory
// of its own named by NOMADISH_PLUGIN_DIR. Shutdown(false) is the agent
// restart path: plugins and their tasks keep running and the next Manager
// re-attaches to them.
//
// The package must not import the server, the scheduler or any driver; it
// knows drivers only by name and through plugin.DriverPlugin.
package pluginmanager
