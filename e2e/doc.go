// Package e2e runs multi-process scenarios against real nomadish agents:
// three servers that lose their leader to kill -9 and must lose no
// acknowledged write, and a dev agent that must answer bad input with
// errors that say what is wrong.
//
// Everything here is behind the build tag e2e and builds nothing itself: it
// runs the binary named by NOMADISH_BIN (default ../bin/nomadish), which
// `make e2e` builds first:
//
//	go build -o bin/nomadish . && NOMADISH_BIN=$PWD/bin/nomadish go test -tags e2e ./e2e/ -v
//
// The scenarios reach the agents only the way a user does: over HTTP (the
// api package or raw requests on Nomad's v1 paths), through the CLI, and by
// signalling processes. They must not import the server, the client agent or
// the scheduler, and they listen and dial on 127.0.0.1 only. Every process
// they start is stopped by a t.Cleanup, and every wait is a bounded poll.
//
// The one exception is the node simulator (e2e/nodesim), which stands in
// for client agents and so speaks their protocol: msgpack RPC with the
// wire types of nomadish/structs. BenchmarkCluster100kAllocs uses it; as a
// Benchmark it runs only with -bench, never in `make e2e`.
package e2e
