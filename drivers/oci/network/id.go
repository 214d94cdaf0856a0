package network

import (
	"fmt"
	"regexp"
)

// idPattern is what CNI accepts as a container id, bounded in length: the
// id names files in StateDir and NetNSDir, so it never holds a separator.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$`)

func validateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%w: %q: give 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit", ErrInvalidID, id)
	}
	return nil
}
