package artifact

import (
	"fmt"
	"sort"
	"strings"
)

// Archive kinds.
const (
	archiveAuto  = ""
	archiveNone  = "false"
	archiveTar   = "tar"
	archiveTarGz = "tar.gz"
	archiveZip   = "zip"
)

// options are an artifact's parsed GetterOptions.
type options struct {
	checksum checksum
	archive  string // archiveAuto, archiveNone or a kind
}

// parseOptions reads the options this getter understands and refuses any
// other, rather than silently ignoring, say, a credential it would not use.
func parseOptions(raw map[string]string, replace func(string) string) (options, error) {
	var o options
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := replace(raw[k])
		switch k {
		case "checksum":
			c, err := parseChecksum(v)
			if err != nil {
				return o, err
			}
			o.checksum = c
		case "archive":
			switch strings.ToLower(v) {
			case "false":
				o.archive = archiveNone
			case "true", "":
				o.archive = archiveAuto
			case "tar":
				o.archive = archiveTar
			case "tar.gz", "tgz":
				o.archive = archiveTarGz
			case "zip":
				o.archive = archiveZip
			default:
				return o, fmt.Errorf("%w: option archive = %q: want false, tar, tar.gz, tgz or zip", ErrInvalid, v)
			}
		default:
			return o, fmt.Errorf("%w: unknown option %q: supported options are checksum and archive", ErrInvalid, k)
		}
	}
	return o, nil
}
