package nomadish

import (
	"time"

	"github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// healingFiler opens the WAL's segment files as raft-wal's own filer does,
// but reads a sealed segment that has no index block by scanning it.
//
// raft-wal v0.4.0 (the newest release) seals the tail segment when Raft
// truncates the log's suffix — a follower dropping entries a new leader
// never committed — without writing the index block that its reader of
// sealed segments needs (hashicorp/raft-wal#31). The running process keeps
// reading that segment through its writer, which holds the offsets in
// memory, so nothing shows until the server restarts: then every read of
// the segment fails with "sealed segment has no index block" and Raft
// panics at start, so a server killed after such a truncation never comes
// back (the chaos suite met it with CHAOS_SEED=101). The segment's entries
// are intact and committed frame by frame; scanning it the way raft-wal
// recovers an unsealed tail rebuilds the same offsets the writer had. The
// scan is read-only in effect: the WAL never appends to a sealed segment,
// and entries past the segment's MaxIndex are never asked of it, because
// the WAL looks them up in the segment that follows.
type healingFiler struct {
	*segment.Filer
}

func newHealingFiler(dir string) *healingFiler {
	return &healingFiler{Filer: segment.NewFiler(dir, fs.New())}
}

// Open implements types.SegmentFiler.
func (f *healingFiler) Open(info types.SegmentInfo) (types.SegmentReader, error) {
	if info.SealTime.IsZero() || info.IndexStart != 0 {
		return f.Filer.Open(info)
	}
	scan := info
	scan.SealTime = time.Time{}
	return f.Filer.RecoverTail(scan)
}
