package wasm

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentBytes counts the pages of b in RAM with mincore(2); all of b if
// the call fails.
func residentBytes(b []byte) uint64 {
	page := os.Getpagesize()
	vec := make([]byte, (len(b)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return uint64(len(b))
	}
	var n uint64
	for _, v := range vec {
		if v&1 != 0 {
			n += uint64(page)
		}
	}
	return n
}
