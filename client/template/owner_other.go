//go:build !unix

package template

import "io/fs"

// fileOwner cannot tell a file's owner here, so a template with uid or
// gid is always written again.
func fileOwner(fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
