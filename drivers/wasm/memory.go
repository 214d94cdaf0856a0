package wasm

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryCeiling is one task's linear memory: an experimental.MemoryAllocator
// handed to wazero when the module is instantiated. It enforces the task's
// ceiling itself rather than through wazero's WithMemoryLimitPages, because
// wazero refuses a memory.grow past that limit before any allocator sees
// it, leaving the driver unable to tell an out-of-memory module from one
// that failed for another reason; here the refused request is recorded and
// the exit is reported as OOM-killed with the size the module asked for.
// It also keeps the memory outside the Go heap where the platform allows
// (see linearMemory), so that idle tasks cost no garbage-collector work.
//
// Its counters are read by TaskStats while the module runs.
type memoryCeiling struct {
	limit   uint64
	size    atomic.Uint64                // bytes of linear memory now
	peak    atomic.Uint64                // the most bytes there ever were
	refused atomic.Uint64                // the largest size refused; 0 is none
	mem     atomic.Pointer[linearMemory] // the memory, once allocated
}

var _ experimental.MemoryAllocator = (*memoryCeiling)(nil)

func newMemoryCeiling(limit uint64) *memoryCeiling {
	limit -= limit % wasmPage
	return &memoryCeiling{limit: limit}
}

// Allocate reserves room for the memory up to the smaller of its maximum
// and the ceiling.
func (m *memoryCeiling) Allocate(_, max uint64) experimental.LinearMemory {
	reserve := max
	if reserve > m.limit {
		reserve = m.limit
	}
	lm := newLinearMemory(reserve, m)
	m.mem.Store(lm)
	return lm
}

// resident is how many bytes of the linear memory are in RAM: the pages
// the module has touched, which is less than its size.
func (m *memoryCeiling) resident() uint64 {
	if lm := m.mem.Load(); lm != nil {
		return lm.resident()
	}
	return 0
}

// grew is called by a linear memory that now holds size bytes.
func (m *memoryCeiling) grew(size uint64) {
	m.size.Store(size)
	for {
		p := m.peak.Load()
		if size <= p || m.peak.CompareAndSwap(p, size) {
			return
		}
	}
}

// refuse records a request past the ceiling.
func (m *memoryCeiling) refuse(size uint64) {
	for {
		r := m.refused.Load()
		if size <= r || m.refused.CompareAndSwap(r, size) {
			return
		}
	}
}
