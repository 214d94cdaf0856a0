//go:build !unix

package allocdir

// openFlags is empty where O_NOFOLLOW does not exist; the regular-file
// check after opening still applies.
const openFlags = 0
