package artifact

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	id := func(s string) string { return s }
	for in, want := range map[string]string{"false": archiveNone, "true": archiveAuto, "tgz": archiveTarGz, "zip": archiveZip, "tar": archiveTar} {
		o, err := parseOptions(map[string]string{"archive": in}, id)
		if err != nil || o.archive != want {
			t.Errorf("archive=%s: %q, %v; want %q", in, o.archive, err, want)
		}
	}
	o, err := parseOptions(map[string]string{"checksum": "${SUM}"}, func(string) string { return "sha1:" + strings.Repeat("a", 40) })
	if err != nil || o.checksum.algo != "sha1" {
		t.Errorf("interpolated checksum: %+v, %v", o, err)
	}
	for _, raw := range []map[string]string{{"archive": "rar"}, {"checksum": "nope"}, {"depth": "1"}} {
		if _, err := parseOptions(raw, id); !errors.Is(err, ErrInvalid) {
			t.Errorf("parseOptions(%v) = %v, want ErrInvalid", raw, err)
		}
	}
}
