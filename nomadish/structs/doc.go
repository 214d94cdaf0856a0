// Package structs holds nomadish's domain types — jobs and their task
// groups and tasks, nodes, allocations, evaluations, deployments and plans —
// together with their validation, their Raft message types and their
// msgpack encoding, and the request and response types of the RPC layer.
//
// JSON field names follow Nomad's public v1 HTTP API: Go field names are
// the wire names, so a job posted to Nomad's API decodes here unchanged.
//
// This package imports nothing else of nomadish and does no I/O.
package structs
