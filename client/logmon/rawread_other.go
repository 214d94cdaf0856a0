//go:build !unix

package logmon

// rawRead is not needed where there are no FIFOs.
func rawRead(fd uintptr, buf []byte) (int, error) { return 0, ErrUnsupported }
