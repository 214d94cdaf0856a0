package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// send sends a raw body and checks the status and that the answer holds
// every want; it fails if the agent logged a recovered panic.
func (la *devAgent) send(t *testing.T, method, path, body string, code int, want ...string) string {
	t.Helper()
	req, err := http.NewRequest(method, la.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d; body: %.2000s", method, path, resp.StatusCode, code, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Fatalf("%s %s: body lacks %q: %.2000s", method, path, w, out)
		}
	}
	if strings.Contains(la.logs.String(), "panic") {
		t.Fatalf("%s %s: the agent recovered a panic:\n%s", method, path, la.logs.String())
	}
	return string(out)
}

func jobBody(t *testing.T, job map[string]interface{}) string {
	t.Helper()
	buf, err := json.Marshal(map[string]interface{}{"Job": job})
	if err != nil {
		t.Fatal(err)
	}
	return string(buf)
}

// withConfig is a job body whose task Config is the raw JSON cfg.
func withConfig(t *testing.T, id, cfg string) string {
	body := jobBody(t, testJob(id))
	return strings.Replace(body, `"Driver":"mock"`, `"Driver":"mock","Config":`+cfg, 1)
}

// nestedJSON is {"a":{"a":...1...}} with depth objects.
func nestedJSON(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestLimits_ThroughTheServer sends each finding of issue 13 that is
// about validation to a real agent: unbounded counts (2), deep driver
// configs (3), nulls in lists (4) and unknown namespaces (9).
func TestLimits_ThroughTheServer(t *testing.T) {
	la := newDevAgent(t)
	la.send(t, "PUT", "/v1/jobs", jobBody(t, testJob("web")), 200)

	t.Run("scale count", func(t *testing.T) {
		for _, n := range []string{"2147483648", "100001", "9223372036854775807"} {
			la.send(t, "PUT", "/v1/job/web/scale", `{"Count": `+n+`, "Target": {"Group": "web"}}`, 400,
				"Count: must be at most 100000 (the server's job_max_group_count), got "+n)
		}
		la.send(t, "PUT", "/v1/job/web/scale", `{"Count": 3, "Target": {"Group": "web"}}`, 200)
	})

	t.Run("register, plan and validate count", func(t *testing.T) {
		for _, n := range []int64{2147483648, 9223372036854775807} {
			job := testJob("big")
			job["TaskGroups"].([]map[string]interface{})[0]["Count"] = n
			want := fmt.Sprintf("count: must be at most 100000 (the server's job_max_group_count), got %d", n)
			la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 400, `group "web" > `+want)
			la.send(t, "PUT", "/v1/job/big/plan", jobBody(t, job), 400, `group "web" > `+want)
			la.send(t, "PUT", "/v1/validate/job", jobBody(t, job), 200, `group \"web\" > `+want)
		}
		job := testJob("wide")
		groups := job["TaskGroups"].([]map[string]interface{})
		second := map[string]interface{}{}
		for k, v := range groups[0] {
			second[k] = v
		}
		second["Name"] = "other"
		groups[0]["Count"], second["Count"] = 60000, 40001
		job["TaskGroups"] = append(groups, second)
		la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 400, "job_max_placements")
	})

	t.Run("deep config", func(t *testing.T) {
		// Past the HTTP layer's bound: refused before decoding, with the
		// position, whatever the endpoint.
		for _, depth := range []int{1017, 1018, 1019, 100000} {
			body := withConfig(t, "deep", nestedJSON(depth))
			want := fmt.Sprintf("request body nested deeper than %d levels at line 1, column", MaxJSONDepth)
			la.send(t, "PUT", "/v1/jobs", body, 400, want)
			la.send(t, "PUT", "/v1/job/deep/plan", body, 400, want)
			la.send(t, "PUT", "/v1/validate/job", body, 400, want)
		}
		// Within it but past the Config bound: refused by Validate with
		// the field path, before the deep copy of plan and validate.
		body := withConfig(t, "deep", nestedJSON(structs.MaxConfigDepth+1))
		want := "config: nested deeper than 32 levels (at config.a.a"
		la.send(t, "PUT", "/v1/jobs", body, 400, `group "web" > task "server" > `+want)
		la.send(t, "PUT", "/v1/job/deep/plan", body, 400, `group "web" > task "server" > `+want)
		la.send(t, "PUT", "/v1/validate/job", body, 200, `group \"web\" > task \"server\" > `+want)
		// At the bound: accepted, stored and read back.
		body = withConfig(t, "deep", nestedJSON(structs.MaxConfigDepth))
		la.send(t, "PUT", "/v1/validate/job", body, 200, `"ValidationErrors":[]`)
		la.send(t, "PUT", "/v1/job/deep/plan", body, 200)
		la.send(t, "PUT", "/v1/jobs", body, 200)
		la.send(t, "GET", "/v1/job/deep", "", 200, `"Config":{"a":{"a":`)
		la.send(t, "GET", "/v1/job/deep/versions", "", 200)
	})

	t.Run("nulls in lists", func(t *testing.T) {
		cases := []struct{ from, to, want string }{
			{`"TaskGroups":[{`, `"TaskGroups":[null,{`, `group[0]: null; want a task group object`},
			{`"Tasks":[{`, `"Tasks":[null,{`, `group "web" > task[0]: null; want a task object`},
			{`"Name":"web",`, `"Name":"web","Constraints":[null],"Networks":[null],"Services":[null],"Volumes":{"v":null},`,
				`group "web" > constraint[0]: null`},
			{`"Driver":"mock"`, `"Driver":"mock","Templates":[null],"Artifacts":[null],"VolumeMounts":[null],"Services":[{"Name":"s","Checks":[null]}]`,
				`group "web" > task "server" > service[0] > check[0]: null`},
			{`"ID":"nulls",`, `"ID":"nulls","Constraints":[null],"Affinities":[null],"Spreads":[null],`, `spread[0]: null; want a spread object`},
		}
		for _, tc := range cases {
			body := strings.Replace(jobBody(t, testJob("nulls")), tc.from, tc.to, 1)
			if !strings.Contains(body, tc.to) {
				t.Fatalf("test body not built: %s", body)
			}
			la.send(t, "PUT", "/v1/jobs", body, 400, tc.want)
			la.send(t, "POST", "/v1/job/nulls", body, 400, tc.want)
			la.send(t, "PUT", "/v1/job/nulls/plan", body, 400, tc.want)
			la.send(t, "PUT", "/v1/validate/job", body, 200, jsonText(t, tc.want))
		}
	})

	t.Run("namespace", func(t *testing.T) {
		job := testJob("ns")
		job["Namespace"] = "nope"
		want := `Namespace: namespace "nope" does not exist; the only accepted namespace is "default"`
		la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 400, want)
		la.send(t, "PUT", "/v1/job/ns/plan", jobBody(t, job), 400, want)
		la.send(t, "PUT", "/v1/validate/job", jobBody(t, job), 200, `does not exist; the only accepted namespace is \"default\"`)
		la.send(t, "PUT", "/v1/jobs?namespace=nope", jobBody(t, testJob("ns")), 400, want)
		job["Namespace"] = "default"
		la.send(t, "PUT", "/v1/jobs", jobBody(t, job), 200)
	})

	t.Run("many entries", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString(`{"Job":{"ID":"many","TaskGroups":[`)
		for i := 0; i < MaxJSONEntries; i++ {
			b.WriteString("{},")
		}
		b.WriteString("{}]}}")
		la.send(t, "PUT", "/v1/jobs", b.String(), 400,
			fmt.Sprintf("request body holds more than %d array elements and object members", MaxJSONEntries))
	})
}

// jsonText is s as it appears inside a JSON string of a response body.
func jsonText(t *testing.T, s string) string {
	t.Helper()
	// As the agent writes it: without HTML escaping (json_encode.go).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return string(b[1 : len(b)-1])
}
