//go:build unix

package allocdir

import "syscall"

// openFlags are added to every open by the fs API: a symlink planted in
// the last component is refused rather than followed, and a FIFO cannot
// block the open.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
