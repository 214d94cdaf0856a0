//go:build !unix

package wasm

// linearMemory is a Wasm linear memory on the Go heap, for platforms
// without mmap: it grows by copying, like wazero's own.
type linearMemory struct {
	ceiling *memoryCeiling
	buf     []byte
}

func newLinearMemory(_ uint64, c *memoryCeiling) *linearMemory {
	return &linearMemory{ceiling: c}
}

func (lm *linearMemory) Reallocate(size uint64) []byte {
	if size > lm.ceiling.limit {
		lm.ceiling.refuse(size)
		return nil
	}
	if size > uint64(cap(lm.buf)) {
		nb := make([]byte, size)
		copy(nb, lm.buf)
		lm.buf = nb
	}
	lm.buf = lm.buf[:size]
	lm.ceiling.grew(size)
	return lm.buf
}

func (lm *linearMemory) Free() {
	lm.buf = nil
	lm.ceiling.size.Store(0)
}

func (lm *linearMemory) resident() uint64 { return uint64(len(lm.buf)) }
