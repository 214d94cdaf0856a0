//go:build unix

package logs

import "syscall"

// openFlags are added to every open of a log file: a symlink planted by a
// task is refused rather than followed, and a FIFO cannot block the open.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
