//go:build unix

package wasm

import (
	"sync"

	"golang.org/x/sys/unix"
)

// linearMemory is a Wasm linear memory in its own anonymous mapping:
// reserved (PROT_NONE) up to the ceiling when the module is instantiated
// and made readable and writable as the module grows it. It never moves or
// copies, and only the pages the module touches become resident.
type linearMemory struct {
	ceiling *memoryCeiling

	mu        sync.Mutex // guards buf and committed against resident
	buf       []byte     // the whole reservation; nil when it could not be made
	committed int        // bytes of buf made read-write
}

func newLinearMemory(reserve uint64, c *memoryCeiling) *linearMemory {
	lm := &linearMemory{ceiling: c}
	if reserve == 0 {
		return lm
	}
	buf, err := unix.Mmap(-1, 0, int(reserve), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err == nil {
		lm.buf = buf
	}
	return lm
}

// Reallocate makes the first size bytes usable, or returns nil past the
// ceiling (the module's memory.grow then returns -1).
func (lm *linearMemory) Reallocate(size uint64) []byte {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if size > lm.ceiling.limit || size > uint64(len(lm.buf)) {
		lm.ceiling.refuse(size)
		return nil
	}
	if int(size) > lm.committed {
		if err := unix.Mprotect(lm.buf[lm.committed:size], unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return nil
		}
		lm.committed = int(size)
	}
	lm.ceiling.grew(size)
	return lm.buf[:size:size]
}

// Free unmaps the memory. wazero calls it once the module is closed and
// none of its code runs any more.
func (lm *linearMemory) Free() {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.buf != nil {
		_ = unix.Munmap(lm.buf)
		lm.buf = nil
	}
	lm.committed = 0
	lm.ceiling.size.Store(0)
}

// resident counts the committed pages in RAM.
func (lm *linearMemory) resident() uint64 {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.committed == 0 {
		return 0
	}
	return residentBytes(lm.buf[:lm.committed])
}
