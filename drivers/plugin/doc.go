// Package plugin is the task driver protocol: the DriverPlugin interface a
// driver implements, the gRPC service (package proto) that carries it
// between the client agent and a driver running in its own process, the
// hashicorp/go-plugin glue that launches and re-attaches to such processes,
// and a small SDK (TaskStore) for driver authors. Package conformance holds
// the suite every driver must pass.
//
// The client agent holds a DriverPlugin returned by Launch or Reattach and
// never knows whether the driver behind it is in or out of process. This
// package must not import the client, the server or any driver.
package plugin
