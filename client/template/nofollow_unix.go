//go:build unix

package template

import "syscall"

// openNoFollow refuses a source that was swapped for a symlink after it
// was checked.
const openNoFollow = syscall.O_NOFOLLOW
