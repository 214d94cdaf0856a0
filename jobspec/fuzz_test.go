package jobspec

import (
	"errors"
	"os"
	"testing"

	"github.com/nomadish/nomadish/drivers/catalog"
)

// FuzzParse feeds arbitrary job files to Parse: it must neither panic nor
// hang, and every failure must be a *DiagnosticsError that renders. The
// seed corpus is the golden corpus under testdata.
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
