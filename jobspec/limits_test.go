package jobspec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// wrapMeta puts value into a job whose only meta key is x.
func wrapMeta(value string) string {
	return "job \"j\" {\n  meta {\n    x = " + value + "\n  }\n  group \"g\" {\n    task \"t\" {\n      driver = \"mock\"\n    }\n  }\n}\n"
}

// nestingShapes are files that nest n levels deep in each way HCL's
// parser or evaluator recurses.
func nestingShapes(n int) map[string]string {
	r := strings.Repeat
	return map[string]string{
		"parentheses":   wrapMeta(r("(", n) + "1" + r(")", n)),
		"brackets":      wrapMeta(r("[", n) + "1" + r("]", n)),
		"objects":       wrapMeta(r("{a=", n) + "1" + r("}", n)),
		"not":           wrapMeta(r("!", n) + "true"),
		"negation":      wrapMeta(r("-", n) + "1"),
		"interpolation": wrapMeta(r(`"${`, n) + "1" + r(`}"`, n)),
		"conditionals":  wrapMeta(r("true?1:", n) + "1"),
		"directives":    wrapMeta("<<EOT\n" + r("%{if a}", min(n, 60000)) + "x" + r("%{endif}", min(n, 60000)) + "\nEOT"),
		"blocks":        "job \"j\" {\n" + r("a {\n", n) + r("}\n", n) + "}\n",
		"unclosed":      wrapMeta(r("(", n)),
		"operators":     wrapMeta("1" + r(" + 1", n)),
		"indexes":       "locals {\n  a = [1]\n  i = 0\n}\n" + wrapMeta("local.a"+r("[local.i]", n)),
	}
}

// TestNestingRefusedBeforeParsing: each shape at 100,000 levels crashes
// the process (a Go stack overflow) or takes a gigabyte without the check;
// with it, it is one diagnostic at the place the limit was crossed.
func TestNestingRefusedBeforeParsing(t *testing.T) {
	for name, src := range nestingShapes(100000) {
		t.Run(name, func(t *testing.T) {
			de := parseDiags(t, &ParseConfig{Path: "deep.hcl", Body: []byte(src)})
			d := de.Diags[0]
			if len(de.Diags) != 1 || (d.Summary != "Nesting too deep" && d.Summary != "Expression too complex") {
				t.Fatalf("diagnostics: %v", de)
			}
			if d.Subject == nil || d.Subject.Filename != "deep.hcl" || d.Subject.Start.Line < 1 {
				t.Errorf("subject %v", d.Subject)
			}
			msg := de.Error()
			if !strings.Contains(msg, fmt.Sprint(MaxNestingDepth)) && !strings.Contains(msg, fmt.Sprint(MaxOperatorDepth)) {
				t.Errorf("message does not name the limit: %s", msg)
			}
			if len(msg) > 2000 {
				t.Errorf("message of %d bytes: the source line should be cut around the problem", len(msg))
			}
		})
	}
}

func TestNestingPosition(t *testing.T) {
	src := wrapMeta(strings.Repeat("(", MaxNestingDepth+10) + "1" + strings.Repeat(")", MaxNestingDepth+10))
	de := parseDiags(t, &ParseConfig{Path: "deep.hcl", Body: []byte(src)})
	// meta { and job { are two levels; x = ( starts at column 9.
	if got := de.Diags[0].Subject.Start; got.Line != 3 || got.Column != 9+MaxNestingDepth-2 {
		t.Errorf("at %d:%d\n%v", got.Line, got.Column, de)
	}
}

// TestNestingWithinLimits: files nested as deeply as real ones are
// accepted, however they nest.
func TestNestingWithinLimits(t *testing.T) {
	for name, src := range nestingShapes(30) {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(&ParseConfig{Path: "ok.hcl", Body: []byte(src)})
			if err != nil && (strings.Contains(err.Error(), "Nesting too deep") || strings.Contains(err.Error(), "Expression too complex")) {
				t.Fatal(err)
			}
		})
	}
	long := wrapMeta(strings.TrimPrefix(strings.Repeat(` && true`, 200), " && "))
	if _, err := Parse(&ParseConfig{Path: "ok.hcl", Body: []byte(long)}); err != nil {
		t.Errorf("200 operators: %v", err)
	}
}

// TestNestingInVariables: variable files, VarContent, -var values and JSON
// files go through recursive parsers too.
func TestNestingInVariables(t *testing.T) {
	const job = "variable \"v\" {\n  type = list(any)\n  default = []\n}\n"
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	dir := t.TempDir()
	hclFile, jsonFile := dir+"/v.hcl", dir+"/v.json"
	writeFile(t, hclFile, "v = "+deep+"\n")
	writeFile(t, jsonFile, `{"v": `+deep+"}")
	jobJSON := `{"Job": {"ID": "j", "Meta": ` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + "}}"
	for name, cfg := range map[string]*ParseConfig{
		"VarContent":     {Body: []byte(job + wrapMeta("1")), VarContent: "v = " + deep},
		"-var":           {Body: []byte(job + wrapMeta("1")), ArgVars: []string{"v=" + deep}},
		"-var-file HCL":  {Body: []byte(job + wrapMeta("1")), VarFiles: []string{hclFile}},
		"-var-file JSON": {Body: []byte(job + wrapMeta("1")), VarFiles: []string{jsonFile}},
		"JSON job":       {Path: "job.json", Body: []byte(jobJSON)},
	} {
		t.Run(name, func(t *testing.T) {
			if cfg.Path == "" {
				cfg.Path = "job.hcl"
			}
			de := parseDiags(t, cfg)
			if !strings.Contains(de.Error(), "Nesting too deep") && !strings.Contains(de.Error(), "nested more than") {
				t.Fatalf("diagnostics: %v", de)
			}
		})
	}
}

// TestNumberLimits: numbers a float64 cannot hold cost seconds to write
// out as text (1e10000000: 15 s); they are refused wherever they arise.
func TestNumberLimits(t *testing.T) {
	squares := "locals {\n  a0 = 1e300\n"
	for i := 1; i <= 20; i++ {
		squares += fmt.Sprintf("  a%d = local.a%d * local.a%d\n", i, i-1, i-1)
	}
	squares += "}\n" + wrapMeta(`"${local.a20}"`)
	digits := strings.Repeat("1", 1<<19)
	for name, tc := range map[string]struct {
		src, want string
		vars      []string
	}{
		"literal":          {wrapMeta("1e10000000"), "Number out of range", nil},
		"larger literal":   {wrapMeta("1e100000000"), "Number out of range", nil},
		"tiny literal":     {wrapMeta("1e-10000000"), "Number out of range", nil},
		"long literal":     {wrapMeta(strings.Repeat("9", 200)), "Number literal too long", nil},
		"squared":          {squares, "1.8e308", nil},
		"text to number":   {wrapMeta(`"1e100000000" * 1`), "Number out of range", nil},
		"long digits":      {"locals {\n  d = \"" + digits + "\"\n}\n" + wrapMeta("local.d + 1"), "Number too long", nil},
		"tonumber":         {wrapMeta(`tonumber("1e100000000")`), "1.8e308", nil},
		"format":           {wrapMeta(`format("%d", "1e100000000")`), "1.8e308", nil},
		"pow":              {wrapMeta(`pow(10, 400)`), "infinite", nil},
		"count":            {strings.Replace(wrapMeta("1"), "group \"g\" {", "group \"g\" {\n    count = \""+digits+"\"", 1), "Number too long", nil},
		"number variable":  {"variable \"n\" {\n  type = number\n}\n" + wrapMeta(`"${var.n}"`), "1.8e308", []string{"n=1e100000000"}},
		"variable default": {"variable \"n\" {\n  type = number\n  default = \"1e100000000\"\n}\n" + wrapMeta(`"${var.n}"`), "Invalid default value", nil},
		"config":           {strings.Replace(wrapMeta("1"), `driver = "mock"`, "driver = \"x\"\n      config {\n        port = \"1e100000000\"\n      }", 1), "Number out of range", nil},
	} {
		t.Run(name, func(t *testing.T) {
			de := parseDiags(t, &ParseConfig{Path: "num.hcl", Body: []byte(tc.src), ArgVars: tc.vars})
			if !strings.Contains(de.Error(), tc.want) {
				t.Fatalf("want %q in:\n%v", tc.want, de)
			}
		})
	}
	// Numbers as large as a float64 holds are fine.
	res, err := Parse(&ParseConfig{Path: "num.hcl", Body: []byte(wrapMeta(`"${1e300 * 1e8} ${-1.5e-300}"`))})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Job.Meta["x"]; !strings.HasPrefix(got, "1") || len(got) < 300 {
		t.Errorf("x = %q", got)
	}
}

// TestEvalBudget: nested for expressions multiply; 1000×1000×1000
// exhausts memory without the budget, over a range or over lists written
// out, in a job file or a variable file.
func TestEvalBudget(t *testing.T) {
	list := "[" + strings.TrimSuffix(strings.Repeat("1,", 1000), ",") + "]"
	nested := fmt.Sprintf("length([for a in %s : [for b in %s : [for c in %s : c]]])", list, list, list)
	ranges := "length([for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]])"
	doubling := "locals {\n  s0 = \"" + strings.Repeat("x", 1<<14) + "\"\n}\n" +
		wrapMeta(`length([for a in range(1000) : [for b in range(1000) : "${local.s0}${b}"]])`)
	for name, cfg := range map[string]*ParseConfig{
		"range":      {Body: []byte(wrapMeta(ranges))},
		"lists":      {Body: []byte(wrapMeta(nested))},
		"bytes":      {Body: []byte(doubling)},
		"VarContent": {Body: []byte("variable \"v\" {\n  default = 0\n}\n" + wrapMeta("1")), VarContent: "v = " + strings.TrimSuffix(strings.TrimPrefix(nested, "length("), ")")},
		"setproduct": {Body: []byte(wrapMeta(`length([for i in range(1000) : setproduct(range(99), range(99))])`))},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Path = "loop.hcl"
			de := parseDiags(t, cfg)
			msg := de.Error()
			if !strings.Contains(msg, fmt.Sprint(MaxEvalElements)) && !strings.Contains(msg, fmt.Sprint(MaxEvalBytes)) {
				t.Fatalf("diagnostics: %v", msg)
			}
			if strings.Contains(msg, guardIterate+`"`) || strings.Contains(msg, guardValue+`"`) {
				t.Errorf("diagnostic names an internal guard: %v", msg)
			}
		})
	}
	// A loop of a real job's size is fine.
	res, err := Parse(&ParseConfig{Path: "loop.hcl", Body: []byte(wrapMeta(`join(",", [for a in range(100) : [for b in range(100) : b][a]])`))})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Job.Meta["x"], "0,1,2,") {
		t.Errorf("x = %q", res.Job.Meta["x"])
	}
}

// countdownContext is done once Err has been asked n times, so a test can
// cancel a parse in the middle of evaluation without a clock.
type countdownContext struct {
	context.Context
	n int
}

func (c *countdownContext) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestParseContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Parse(&ParseConfig{Path: "j.hcl", Body: []byte(wrapMeta("1")), Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled before: err = %v", err)
	}

	// Done in the middle of evaluating a loop: the parse stops with the
	// context's error, not with diagnostics.
	cd := &countdownContext{Context: context.Background(), n: 50}
	_, err = Parse(&ParseConfig{Path: "j.hcl", Body: []byte(wrapMeta(`length([for a in range(1000) : [for b in range(50) : b]])`)), Context: cd})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled during: err = %v", err)
	}
	if cd.n < -1100 {
		t.Errorf("evaluation went on after the context was done: %d more checks", -cd.n)
	}
}

func parseDiags(t *testing.T, cfg *ParseConfig) *DiagnosticsError {
	t.Helper()
	_, err := Parse(cfg)
	var de *DiagnosticsError
	if !errors.As(err, &de) || len(de.Diags) == 0 {
		t.Fatalf("err = %T %v, want diagnostics", err, err)
	}
	return de
}

// TestGuardKeepsDiagnostics: an error inside a guarded for expression is
// reported as itself, at its own position, not as a failed guard.
func TestGuardKeepsDiagnostics(t *testing.T) {
	de := parseDiags(t, &ParseConfig{Path: "j.hcl", Body: []byte(wrapMeta(`join(",", [for a in [1] : a + "x"])`))})
	d := de.Diags[0]
	if d.Summary != "Invalid operand" || d.Subject.Start.Line != 3 || d.Subject.Start.Column != 39 {
		t.Errorf("got %s at %v:\n%v", d.Summary, d.Subject, de)
	}
	if strings.Contains(de.Error(), guardValue) || strings.Contains(de.Error(), guardNumeric) {
		t.Errorf("names a guard: %v", de)
	}
}
