package raftlogbench

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	raftwal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// BenchmarkLogStoreAppend compares the two durable Raft log stores on the
// operation Raft does on every commit: StoreLogs of a batch of entries.
// Entries are ~1 KiB, batches of 1 and 64 (Raft batches up to
// MaxAppendEntries=64 when a follower catches up or the leader is busy).
// The figures are recorded next to the choice in nomadish/raft.go and on
// website/benchmarks.md.
//
//	cd nomadish/raftlogbench && go test -run '^$' -bench BenchmarkLogStoreAppend -benchtime 2000x
func BenchmarkLogStoreAppend(b *testing.B) {
	stores := map[string]func(dir string) (raft.LogStore, func() error, error){
		"boltdb": func(dir string) (raft.LogStore, func() error, error) {
			s, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
			if err != nil {
				return nil, nil, err
			}
			return s, s.Close, nil
		},
		"wal": func(dir string) (raft.LogStore, func() error, error) {
			meta := &metadb.BoltMetaDB{}
			s, err := raftwal.Open(dir, raftwal.WithMetaStore(meta))
			if err != nil {
				return nil, nil, err
			}
			return s, func() error { s.Close(); return meta.Close() }, nil
		},
	}
	payload := make([]byte, 1024)
	for i := range payload {
		payload[i] = byte(i)
	}
	for _, name := range []string{"boltdb", "wal"} {
		for _, batch := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
				store, closeFn, err := stores[name](b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				defer closeFn()
				logs := make([]*raft.Log, batch)
				idx := uint64(1)
				b.SetBytes(int64(batch * len(payload)))
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					for j := range logs {
						logs[j] = &raft.Log{Index: idx, Term: 1, Type: raft.LogCommand, Data: payload, AppendedAt: start}
						idx++
					}
					if err := store.StoreLogs(logs); err != nil {
						b.Fatal(err)
					}
				}
				elapsed := time.Since(start)
				b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "appends/s")
			})
		}
	}
}
