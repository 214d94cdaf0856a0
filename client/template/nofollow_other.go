//go:build !unix

package template

// openNoFollow is 0 where the platform has no O_NOFOLLOW.
const openNoFollow = 0
