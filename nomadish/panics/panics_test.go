package panics

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

type fakeM struct{ run func() }

func (m fakeM) Run() int { m.run(); return 0 }

type cleanups struct{ fns []func() }

func (c *cleanups) Cleanup(f func()) { c.fns = append(c.fns, f) }
func (c *cleanups) done() {
	for _, f := range c.fns {
		f()
	}
}

func recoverInto(logger hclog.Logger) {
	defer func() {
		if p := recover(); p != nil {
			Recovered(logger, "test", "recoverInto", p)
		}
	}()
	var m map[string]int
	m["x"] = 1 // panics: assignment to entry in nil map
}

func TestRecoveredLogsStackAndFailsMain(t *testing.T) {
	var buf bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Error})

	// Allowed panics do not fail the run.
	c := &cleanups{}
	Allow(c)
	if code := CheckMain(fakeM{run: func() { recoverInto(logger); c.done() }}); code != 0 {
		t.Fatalf("allowed panic failed the run: code %d", code)
	}
	if !strings.Contains(buf.String(), "recovered panic") || !strings.Contains(buf.String(), "nil map") ||
		!strings.Contains(buf.String(), "panics.recoverInto") {
		t.Fatalf("log lacks the panic or its stack:\n%s", buf.String())
	}

	// One that no test allowed does.
	before := Count()
	code := CheckMain(fakeM{run: func() { recoverInto(logger) }})
	if Count() != before+1 || code == 0 {
		t.Fatalf("count %d -> %d, code %d; want one more and a failing code", before, Count(), code)
	}
	allowed.Add(1) // this test provoked it; keep the package's own run green
}
