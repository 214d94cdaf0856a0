// Package client is the client agent: it gives the machine an identity,
// describes it to the servers and runs the allocations they place on it.
//
// The flow of New: load or create the node identity (client/nodeid), open
// the local state (client/state), start the driver plugins
// (client/pluginmanager), fingerprint the machine (client/fingerprint) and
// the drivers into a structs.Node, restore the alloc runners of the
// allocations the state holds (their tasks are recovered, not restarted),
// and only then start the loops:
//
//   - register and heartbeat (register.go, heartbeat.go): Node.Register with
//     retries and bounded back-off, rotating through the servers; then
//     Node.UpdateStatus at the TTL the server hands out; a server that no
//     longer knows the node, or a changed driver fingerprint, causes a new
//     registration;
//   - watch allocations (allocwatch.go): a blocking Node.GetClientAllocs
//     query; new allocations get an alloc runner, changed ones (a newer
//     AllocModifyIndex) go to the runner's Update, and those the server has
//     dropped are destroyed;
//   - sync allocations (allocsync.go): what the runners report is coalesced
//     per allocation and sent with Node.UpdateAlloc in batches; a batch
//     that fails is retried with a back-off (only a report the servers
//     find malformed is dropped), and every registration sends every
//     allocation's newest report again, so a lost report heals;
//   - collect garbage (gc.go): terminal allocations beyond GCMaxAllocs, or
//     while the allocation directory's disk is fuller than
//     GCDiskUsageThreshold, are destroyed oldest first;
//   - watch drivers (drivers.go): each driver's fingerprint stream keeps
//     Node.Drivers and the driver.* attributes current.
//
// Shutdown is the agent stopping or restarting: the loops stop and the
// runners let go of their tasks, which keep running in their plugins for
// the next agent to re-attach to.
//
// Everything that waits goes through the injected Clock. The package talks
// to servers only over the msgpack RPC port (rpc.go); it must not import
// the server, the scheduler, the HTTP API or any driver.
package client
