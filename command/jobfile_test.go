package command

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseJobJSONWrappedAndBare(t *testing.T) {
	for _, in := range []string{
		`{"Job": {"ID": "web", "TaskGroups": [{"Name": "g", "Count": 2}]}}`,
		`{"ID": "web", "TaskGroups": [{"Name": "g", "Count": 2}]}`,
	} {
		job, err := parseJobJSON("web.json", []byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if job.ID != "web" || job.TaskGroups[0].Count != 2 {
			t.Fatalf("%s: job = %+v", in, job)
		}
	}
}

func TestParseJobJSONErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"web.json", "{\n  \"ID\": \"web\",\n  \"Type\": \"service\"\n  \"Priority\": 50\n}", `web.json:4:3: invalid JSON: invalid character '"' after object key:value pair`},
		{"web.json", "{\"Job\": {\n  \"TaskGroups\": [{\"Count\": \"two\"}]\n}}", `web.json:2:28: TaskGroups.Count: a JSON string cannot be used as int`},
		{"web.json", "{\"ID\": \"web\",", `web.json:1:13: invalid JSON: unexpected end of JSON input`},
		{"web.json", "[1, 2]", `web.json: not a JSON object`},
		{"web.json", "  \n", `web.json: file is empty`},
		{"web.hcl", `job "web" {}`, `web.hcl: not a JSON object; want a JSON job`},
		{"web.json", `{"Job": null}`, `web.json: "Job" is null`},
	}
	for _, tc := range cases {
		_, err := parseJobJSON(tc.name, []byte(tc.in))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("parse %q: error %v, want prefix %q", tc.in, err, tc.want)
		}
	}
}

func TestReadJobFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.json")
	_, err := readJobFile(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v", err)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n")
	for off, want := range map[int][2]int{0: {1, 1}, 1: {1, 2}, 3: {2, 1}, 4: {2, 2}, 6: {3, 1}} {
		l, c := lineCol(data, off)
		if l != want[0] || c != want[1] {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", off, l, c, want[0], want[1])
		}
	}
}
