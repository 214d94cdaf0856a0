//go:build unix

package artifact

import "syscall"

// openNoFollow is added to the opens of files we write, and of file
// sources after their symlinks were resolved: a symlink swapped in between
// the check and the open is refused rather than followed.
const openNoFollow = syscall.O_NOFOLLOW
