package agent

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestJSONPathAtNamesTheOffendingValue(t *testing.T) {
	type task struct{ Name string }
	type group struct {
		Name  string
		Count int
		Tasks []task
	}
	type job struct {
		ID         string
		TaskGroups []group
	}
	cases := []struct{ body, want string }{
		{`{"Job": {"ID": "x", "TaskGroups": [{"Name": "a", "Count": 1}, {"Name": "b", "Count": "two"}]}}`, "Job.TaskGroups[1].Count"},
		{`{"Job": {"ID": 7}}`, "Job.ID"},
		{`{"Job": {"TaskGroups": [{"Tasks": [{"Name": "ok"}, {"Name": {"nested": true}}]}]}}`, "Job.TaskGroups[0].Tasks[1].Name"},
		{`{"Job": {"TaskGroups": {"not": "a list"}}}`, "Job.TaskGroups"},
	}
	for _, c := range cases {
		var out struct{ Job job }
		err := json.Unmarshal([]byte(c.body), &out)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			t.Fatalf("%s: want a type error, got %v", c.body, err)
		}
		if got := jsonPathAt([]byte(c.body), te.Offset); got != c.want {
			t.Errorf("%s: path = %q, want %q", c.body, got, c.want)
		}
	}
}
