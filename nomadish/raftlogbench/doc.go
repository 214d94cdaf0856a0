// Package raftlogbench measures the two durable Raft log stores nomadish
// could use, raft-wal (the one it uses, see nomadish/raft.go) and
// raft-boltdb, on the operation Raft does on every commit.
//
// It is a module of its own so that raft-boltdb, bolt and their test
// dependencies stay out of nomadish's module graph: nomadish does not use
// them, and a clone that ran "go mod download" must build and test
// nomadish without fetching them. It holds benchmarks only and must not
// be imported.
//
//	cd nomadish/raftlogbench && go test -run '^$' -bench BenchmarkLogStoreAppend -benchtime 2000x
package raftlogbench
