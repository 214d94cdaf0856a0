//go:build unix

package logmon

import "syscall"

// rawRead reads from a descriptor without Go's poller.
func rawRead(fd uintptr, buf []byte) (int, error) { return syscall.Read(int(fd), buf) }
