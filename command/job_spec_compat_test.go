package command

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/nomadish/nomadish/api"
	"github.com/nomadish/nomadish/drivers/catalog"
	"github.com/nomadish/nomadish/jobspec"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// The nomad-compat corpus is a set of job files, one per area of Nomad's
// job specification, that between them use every block and argument
// Nomad documents. Each file must parse, register through PUT /v1/jobs,
// and come back from GET /v1/job/:id as its golden NAME.json says, field
// by field; the parse warnings of a file go to NAME.warn. Run
// `go test ./command -run TestNomadCompatCorpus -update` to rewrite them
// (the package's one -update flag, see docs_test.go).

const compatCorpus = "../jobspec/testdata/nomad-compat"

// compatVolatile are the fields of a stored job that change from one
// registration to the next, left out of the comparison.
var compatVolatile = map[string]bool{
	"CreateIndex": true, "ModifyIndex": true, "JobModifyIndex": true, "SubmitTime": true,
	"Status": true, "StatusDescription": true, "Version": true, "Stable": true,
}

func TestNomadCompatCorpus(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join(compatCorpus, "*.hcl"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no corpus under %s: %v", compatCorpus, err)
	}
	d := startDevAgent(t)
	client, err := api.NewClient(&api.Config{Address: d.addr})
	if err != nil {
		t.Fatal(err)
	}
	for _, input := range inputs {
		base := strings.TrimSuffix(input, ".hcl")
		t.Run(filepath.Base(input), func(t *testing.T) {
			src, err := os.ReadFile(input)
			if err != nil {
				t.Fatal(err)
			}
			res, err := jobspec.Parse(&jobspec.ParseConfig{Path: filepath.Base(input), Body: src, Drivers: catalog.ConfigSchemas()})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkJSONFormatRoundTrip(t, res.Job)
			var stored map[string]interface{}
			resp, _, err := client.Jobs().Register(res.Job, nil)
			switch refused := strings.HasPrefix(string(src), "# compat: refused\n"); {
			case refused && err == nil:
				t.Fatalf("registered, but the file says registration refuses it (# compat: refused)")
			case refused:
				// A job that cannot run without a feature nomadish lacks is
				// refused by PUT /v1/jobs (structs.Job.Refusals), so it
				// cannot be read back; it is stored here as the server
				// would have stored it, and the refusal is a golden too.
				compareText(t, base+".refused", refusedBlocks(err))
				stored = storeLikeServer(t, res.Job)
			case err != nil && res.Job.Multiregion != nil && strings.Contains(err.Error(), "unknown region"):
				// The dev agent federates no region, and the multiregion
				// block names regions it does not know: refused, as it
				// should be; the job is stored here as the server would
				// have stored it in a region it names.
				stored = storeLikeServer(t, res.Job)
			case err != nil:
				t.Fatalf("register: %v", err)
			default:
				if resp.Warnings != "" {
					t.Logf("registration warnings:\n%s", resp.Warnings)
				}
				stored = getRawJob(t, d.addr, res.Job.ID)
			}
			stripVolatile(stored)

			compareGolden(t, base+".json", stored)
			compareWarnings(t, base+".warn", res.Warnings)
			checkValuesVisible(t, input, src, stored)
		})
	}
}

// checkJSONFormatRoundTrip proves that the JSON job format carries every
// field the HCL parse filled: the job, written as JSON and parsed again,
// is the same job.
func checkJSONFormatRoundTrip(t *testing.T, job *api.Job) {
	t.Helper()
	body, err := json.Marshal(map[string]interface{}{"Job": job})
	if err != nil {
		t.Fatal(err)
	}
	again, err := jobspec.Parse(&jobspec.ParseConfig{Path: "job.json", Body: body})
	if err != nil {
		t.Fatalf("the job as JSON does not parse: %v", err)
	}
	for _, w := range again.Warnings {
		t.Errorf("the job as JSON gives a warning: %s", w)
	}
	a, _ := json.Marshal(job)
	b, _ := json.Marshal(again.Job)
	if string(a) != string(b) {
		t.Errorf("the job as JSON parses to another job:\n%s", diffLeaves(flattenJSON(mustUnmarshal(t, a)), flattenJSON(mustUnmarshal(t, b))))
	}
}

func mustUnmarshal(t *testing.T, b []byte) interface{} {
	t.Helper()
	var v interface{}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// getRawJob reads GET /v1/job/:id as the server sends it, without the api
// package's types in between, so that the golden shows the wire names.
func getRawJob(t *testing.T, addr, id string) map[string]interface{} {
	t.Helper()
	resp, err := http.Get(addr + "/v1/job/" + url.PathEscape(id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET job %q: %s", id, resp.Status)
	}
	var out map[string]interface{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// refusedBlocks lists, one per line, the blocks a registration error
// names (`group "app" > task "api" > secret "db"`), leaving the wording of
// each reason to the tests of structs.Job.Warnings.
func refusedBlocks(err error) string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if item, ok := strings.CutPrefix(strings.TrimSpace(line), "* "); ok {
			path, _, _ := strings.Cut(item, ": ")
			out = append(out, path)
		}
	}
	if len(out) == 0 {
		return err.Error() + "\n"
	}
	return strings.Join(out, "\n") + "\n"
}

// storeLikeServer is what PUT /v1/jobs and GET /v1/job/:id do to a job,
// short of Raft and the refusal: the JSON body decoded into the server's
// types, canonicalized and validated, copied through msgpack as a Raft
// entry is, and encoded again as JSON.
func storeLikeServer(t *testing.T, job *api.Job) map[string]interface{} {
	t.Helper()
	body, err := json.Marshal(map[string]interface{}{"Job": job})
	if err != nil {
		t.Fatal(err)
	}
	var req struct{ Job *structs.Job }
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	req.Job.Canonicalize()
	if err := req.Job.Validate(); err != nil {
		t.Fatalf("the server would refuse the job for another reason than its refusals: %v", err)
	}
	out, err := json.Marshal(req.Job.Copy())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// stripVolatile removes compatVolatile from the job and the server's IDs
// of its scaling policies, which are new on every registration.
func stripVolatile(job map[string]interface{}) {
	for k := range compatVolatile {
		delete(job, k)
	}
	var walk func(v interface{})
	walk = func(v interface{}) {
		switch x := v.(type) {
		case map[string]interface{}:
			if _, isPolicy := x["Policy"]; isPolicy {
				if _, ok := x["Target"]; ok {
					delete(x, "ID")
					delete(x, "CreateIndex")
					delete(x, "ModifyIndex")
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []interface{}:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(job)
}

// compareGolden compares got with the golden JSON at path leaf by leaf,
// naming every field that differs.
func compareGolden(t *testing.T, path string, got map[string]interface{}) {
	t.Helper()
	if *updateDocs {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s missing (run go test ./command -run TestNomadCompatCorpus -update): %v", path, err)
	}
	var w interface{}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if diff := diffLeaves(flattenJSON(got), flattenJSON(w)); diff != "" {
		t.Errorf("the stored job differs from %s (run -update to accept):\n%s", path, diff)
	}
}

func compareWarnings(t *testing.T, path string, warnings []string) {
	t.Helper()
	got := ""
	if len(warnings) > 0 {
		got = strings.Join(warnings, "\n\n") + "\n"
	}
	compareText(t, path, got)
}

// compareText compares got with the file at path; "" means the file must
// not exist.
func compareText(t *testing.T, path, got string) {
	t.Helper()
	if *updateDocs {
		if got == "" {
			os.Remove(path)
			return
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	switch {
	case got == "" && err == nil:
		t.Errorf("%s exists but the parse gave no warnings", path)
	case got != "" && err != nil:
		t.Errorf("%s missing (run -update); got:\n%s", path, got)
	case got != "" && string(want) != got:
		t.Errorf("%s differs (run -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// flattenJSON maps every leaf of v (and every empty object or list) to its
// JSON text, by a path such as TaskGroups[0].Tasks[1].Vault.Role.
func flattenJSON(v interface{}) map[string]string {
	out := map[string]string{}
	var walk func(path string, v interface{})
	walk = func(path string, v interface{}) {
		switch x := v.(type) {
		case map[string]interface{}:
			if len(x) == 0 {
				out[path] = "{}"
			}
			for k, e := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, e)
			}
		case []interface{}:
			if len(x) == 0 {
				out[path] = "[]"
			}
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		default:
			b, _ := json.Marshal(x)
			out[path] = string(b)
		}
	}
	walk("", v)
	return out
}

// diffLeaves lists the paths whose values differ, are missing or are
// extra, sorted; "" when got and want agree.
func diffLeaves(got, want map[string]string) string {
	var lines []string
	for p, g := range got {
		w, ok := want[p]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("  %s: got %s, the golden has no such field", p, g))
		case w != g:
			lines = append(lines, fmt.Sprintf("  %s: got %s, want %s", p, g, w))
		}
	}
	for p, w := range want {
		if _, ok := got[p]; !ok {
			lines = append(lines, fmt.Sprintf("  %s: missing, want %s", p, w))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// checkValuesVisible proves the round trip: every literal value written
// in the corpus file (each string, number, duration and size, each map key
// and block label) appears in the stored job, so that no argument was
// dropped on the way. A duration is looked for as nanoseconds, a size as
// MB; booleans are not looked for, since false is left out of the JSON.
func checkValuesVisible(t *testing.T, name string, src []byte, stored map[string]interface{}) {
	t.Helper()
	file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	strs, nums, keys := map[string]bool{}, map[float64]bool{}, map[string]bool{}
	var collect func(v interface{})
	collect = func(v interface{}) {
		switch x := v.(type) {
		case map[string]interface{}:
			for k, e := range x {
				keys[k] = true
				collect(e)
			}
		case []interface{}:
			for _, e := range x {
				collect(e)
			}
		case string:
			strs[x] = true
		case float64:
			nums[x] = true
		}
	}
	collect(stored)
	found := func(s string) bool {
		if strs[s] || keys[s] {
			return true
		}
		if d, err := time.ParseDuration(s); err == nil && nums[float64(d)] {
			return true
		}
		if n, err := strconv.ParseFloat(s, 64); err == nil && nums[n] {
			return true
		}
		if mb, ok := compatSizeMB(s); ok && nums[mb] {
			return true
		}
		return false
	}
	_ = hclsyntax.VisitAll(file.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		switch n := n.(type) {
		case *hclsyntax.Block:
			for _, l := range n.Labels {
				if !found(l) && !(n.Type == "scaling" && strs["vertical_"+l]) {
					t.Errorf("%s: the label %q of a %s block is not in the stored job", n.DefRange(), l, n.Type)
				}
			}
		case *hclsyntax.Attribute:
			v, diags := n.Expr.Value(nil)
			if diags.HasErrors() || !v.IsWhollyKnown() {
				return nil // refers to runtime values: compared by the golden alone
			}
			for _, leaf := range literalLeaves(v) {
				if !found(leaf) {
					t.Errorf("%s: %s = %q is not in the stored job", n.SrcRange, n.Name, leaf)
				}
			}
		}
		return nil
	})
}

// literalLeaves returns the strings and numbers of a literal value, and
// the keys of its maps, as text.
func literalLeaves(v cty.Value) []string {
	var out []string
	ty := v.Type()
	switch {
	case v.IsNull():
	case ty == cty.String:
		out = append(out, v.AsString())
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		out = append(out, strconv.FormatFloat(f, 'f', -1, 64))
	case ty.IsObjectType() || ty.IsMapType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out = append(out, k.AsString())
			out = append(out, literalLeaves(e)...)
		}
	case ty.IsTupleType() || ty.IsListType() || ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, literalLeaves(e)...)
		}
	}
	return out
}

// compatSizeMB reads "1GB"-style sizes as the job file's size arguments
// take them (binary units), in MB.
func compatSizeMB(s string) (float64, bool) {
	units := map[string]float64{"KB": 1.0 / 1024, "MB": 1, "GB": 1024, "TB": 1024 * 1024}
	for u, mul := range units {
		if n, ok := strings.CutSuffix(strings.ToUpper(s), u); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err == nil {
				return math.Ceil(f * mul), true
			}
		}
	}
	return 0, false
}
