//go:build unix

package allocdir

import "syscall"

// openFlags are added to every open by the fs API: a FIFO swapped in for
// a regular file cannot block the open. (O_NOFOLLOW is what os.Root opens
// with anyway; a symlink it meets there is followed only inside the root.)
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
