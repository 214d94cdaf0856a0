package jobspec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/drivers/catalog"
)

var update = flag.Bool("update", false, "rewrite the expected outputs under testdata")

// goldenInputs lists the corpus: testdata/NAME.hcl and testdata/NAME.job.json.
func goldenInputs(t testing.TB) []string {
	var inputs []string
	for _, pattern := range []string{"testdata/*.hcl", "testdata/*.job.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, m...)
	}
	if len(inputs) == 0 {
		t.Fatal("no golden inputs under testdata")
	}
	return inputs
}

// goldenBase is the input's path without .hcl or .job.json.
func goldenBase(input string) string {
	return strings.TrimSuffix(strings.TrimSuffix(input, ".hcl"), ".job.json")
}

// goldenConfig builds a ParseConfig from the input's leading directive
// comments:
//
//	# test: -var name=value
//	# test: -var-file testdata/vars/x.hcl
//	# test: env NOMADISH_VAR_name=value
//	# test: var-content "quoted Go string"
//	# test: no-drivers
func goldenConfig(t *testing.T, input string, src []byte) *ParseConfig {
	cfg := &ParseConfig{
		Path:    filepath.Base(input),
		Body:    src,
		BaseDir: "testdata",
		Drivers: catalog.ConfigSchemas(),
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "# test: ")
		if !ok {
			break
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case "-var":
			cfg.ArgVars = append(cfg.ArgVars, arg)
		case "-var-file":
			cfg.VarFiles = append(cfg.VarFiles, arg)
		case "env":
			cfg.Envs = append(cfg.Envs, arg)
		case "var-content":
			s, err := strconv.Unquote(arg)
			if err != nil {
				t.Fatalf("var-content: %v", err)
			}
			cfg.VarContent = s
		case "no-drivers":
			cfg.Drivers = nil
		default:
			t.Fatalf("unknown test directive %q", line)
		}
	}
	return cfg
}

// TestGolden parses every input under testdata and compares the job, as
// indented JSON, with NAME.json, or the rendered diagnostics with
// NAME.diag; warnings of a job that parses go to NAME.warn. Run
// `go test ./jobspec -update` to rewrite them.
func TestGolden(t *testing.T) {
	for _, input := range goldenInputs(t) {
		t.Run(filepath.Base(input), func(t *testing.T) {
			src, err := os.ReadFile(input)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(goldenConfig(t, input, src))
			base := goldenBase(input)
			got := map[string]string{}
			if err != nil {
				var de *DiagnosticsError
				if !errors.As(err, &de) {
					t.Fatalf("error is %T, want *DiagnosticsError: %v", err, err)
				}
				got[".diag"] = err.Error() + "\n"
			} else {
				b, err := json.MarshalIndent(res.Job, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got[".json"] = string(b) + "\n"
				if len(res.Warnings) > 0 {
					got[".warn"] = strings.Join(res.Warnings, "\n\n") + "\n"
				}
			}
			for _, ext := range []string{".json", ".diag", ".warn"} {
				path := base + ext
				want, ok := got[ext]
				if *update {
					if ok {
						if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
							t.Fatal(err)
						}
					} else {
						os.Remove(path)
					}
					continue
				}
				have, err := os.ReadFile(path)
				switch {
				case ok && err != nil:
					t.Errorf("%s missing (run go test ./jobspec -update); got:\n%s", path, want)
				case !ok && err == nil:
					t.Errorf("%s exists but the parse gave none", path)
				case ok && string(have) != want:
					t.Errorf("%s differs (run go test ./jobspec -update to accept):\n--- got\n%s\n--- want\n%s", path, want, have)
				}
			}
		})
	}
}
