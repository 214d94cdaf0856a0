package jobspec

import (
	"errors"
	"os"
	"testing"

	"github.com/nomadish/nomadish/drivers/catalog"
)

// FuzzParse feeds arbitrary job files to Parse: it must neither panic nor
// hang, and every failure must be a *DiagnosticsError that renders. The
// seed corpus is the golden corpus under testdata and the attack shapes of
// limits_test.go.
//
//	go test -fuzz=FuzzParse -fuzztime=30s ./jobspec
func FuzzParse(f *testing.F) {
	for _, input := range goldenInputs(f) {
		src, err := os.ReadFile(input)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	// The shapes that crashed or hung the parser, each just past its limit.
	for _, src := range nestingShapes(MaxNestingDepth + MaxOperatorDepth) {
		f.Add([]byte(src))
	}
	for _, src := range []string{
		wrapMeta("1e10000000"),
		wrapMeta(`"${1e300 * 1e300 * 1e300}"`),
		wrapMeta(`format("%d", "1e100000000")`),
		wrapMeta("length([for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]])"),
	} {
		f.Add([]byte(src))
	}
	drivers := catalog.ConfigSchemas()
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Parse(&ParseConfig{
			Path:       "fuzz.hcl",
			Body:       src,
			ArgVars:    []string{"image=redis:7", "count=2"},
			VarContent: "region = \"eu\"",
			Drivers:    drivers,
		})
		if err != nil {
			var de *DiagnosticsError
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, want *DiagnosticsError: %v", err, err)
			}
			if len(de.Diags) == 0 {
				t.Fatal("DiagnosticsError without diagnostics")
			}
			_ = de.Error()
			return
		}
		if res.Job == nil {
			t.Fatal("no job and no error")
		}
	})
}
