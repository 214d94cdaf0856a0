// Package nomadish is the server: it holds the region's state in a Raft
// group, answers RPCs, gossips with other servers, and forwards what it
// must not answer itself.
//
// # The flow of a write
//
// A request arrives either over the network or in-process through
// Server.RPC (which the agent's HTTP layer uses); both go through the same
// net/rpc server and endpoint method. The endpoint first calls forward:
// a request naming another region goes to a live server of that region
// found in the WAN gossip pool; a write (or a read without AllowStale) on
// a follower goes to the leader, after waiting a bounded time for one to
// be elected (else structs.ErrNoLeader). On the leader the endpoint
// validates and calls raftApply, which encodes the request as a Raft entry
// (a structs.MessageType byte, then msgpack) and waits for it to commit.
// On every server the FSM (fsm.go) decodes committed entries by type and
// writes the state store (nomadish/state), stamping objects with the
// entry's index.
//
// # The flow of a read
//
// Reads run through blockingRPC: a query with MinQueryIndex waits on the
// go-memdb watch channels of exactly what it read, re-running when one
// fires, until the result's index passes MinQueryIndex or MaxQueryTime
// (plus up to 1/16 jitter) runs out. A snapshot restore swaps in a new
// store and closes the old one's AbandonCh, which wakes such queries too.
//
// # The network
//
// One TCP port (default 4647) carries everything; a connection's first
// byte selects net/rpc (0x01), Raft (0x02, handed to a raft.StreamLayer),
// or yamux-multiplexed net/rpc (0x03, what the connection pool in pool.go
// uses between servers). Bytes 0x04 (TLS) and 0x05 (streaming) are
// reserved.
//
// # Membership
//
// Each server is in two serf pools: the LAN pool of its region (memberlist
// port 4648 by default), which detects failures, drives bootstrap_expect
// and lets the leader keep Raft's voters in step with membership
// (leader.go), and the WAN pool across regions (port 4649 by default,
// members named NAME.REGION), used to find other regions' servers. A
// server joining the LAN pool is joined to the WAN pool by its peers.
//
// Files: config.go (Config), server.go (Server lifecycle), raft.go and
// raft_layer.go (Raft storage and transport), bootstrap.go, fsm.go and
// fsm_snapshot.go, rpc.go (listener, in-process RPC, raftApply), pool.go,
// forward.go, blocking.go, serf.go and serf_events.go, leader.go, join.go,
// leave.go, endpoints.go (the list of RPC services) and one file per
// endpoint.
//
// This package must not contain scheduling logic (that is scheduler/) or
// HTTP handling (command/agent/).
package nomadish
