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
// # The flow of an evaluation
//
// Every evaluation the FSM writes with status pending reaches the
// leader's eval broker (eval_broker.go) through the FSM's eval hook; one
// written blocked reaches the blocked-evals tracker (blocked_evals.go).
// Both are enabled only on the leader and rebuilt from state when a
// server gains leadership (leader_scheduling.go). The broker keeps one
// priority queue per scheduler type, lets at most one evaluation per job
// be out at a time, holds WaitUntil evaluations in a heap released by the
// clock, and redelivers what is nacked or not acked within the nack
// timeout until a delivery limit marks it failed (with a delayed
// follow-up). Workers (worker.go, one per core on every server) dequeue
// through Eval.Dequeue, wait until their state has reached the index the
// leader names, run the scheduler (scheduler/) on a snapshot and act
// through Plan.Submit and Eval.Update/Create/Reblock, each carrying the
// delivery's token, then ack. Plan.Submit queues the plan (plan_queue.go)
// for the leader's plan applier (plan_apply.go), which re-checks each
// node's placements against the newest state, commits what fits in one
// ApplyPlanResults Raft entry and hands back a refresh index for the
// rest; checking the next plan overlaps committing the previous one. A
// node becoming ready or eligible, or allocations stopping, unblocks the
// blocked evaluations of the affected node class through the FSM's node
// and alloc hooks (fsm_hooks.go). Job.Plan runs the same scheduler over a
// private snapshot with a planner that commits nothing (plan_dry_run.go).
//
// # Deployments
//
// The scheduler creates a deployment when it places or destructively
// updates a service group with an update block, and replaces at most
// max_parallel of its allocations not yet healthy. Clients report each
// new allocation's health once. The leader's deployment watcher
// (deployment_watcher.go) waits on the deployments and their allocations
// and, in one DeploymentProgress Raft entry per pass (fsm_deployment.go),
// keeps the groups' health counts, creates the evaluation that continues
// the rollout when an allocation became healthy, and marks the
// deployment successful (its job version stable) or failed (an unhealthy
// allocation or a passed progress deadline, then an auto-revert through
// Job.Revert). Deployment.Fail and Deployment.Pause change a deployment
// by hand.
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
// This package must not contain placement logic (that is scheduler/; the
// server queues, runs and commits its work) or HTTP handling
// (command/agent/).
package nomadish
