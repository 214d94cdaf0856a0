//go:build !unix

package artifact

// openNoFollow is 0 where the platform has no O_NOFOLLOW; the checks
// before each open still apply.
const openNoFollow = 0
