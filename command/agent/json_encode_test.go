package agent

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestHTTP_ResponsesKeepHTMLCharacters: a message naming a place as
// `group "web" > task "api"` reaches the caller with its >, and so do < and
// &, compact and pretty, instead of \u003e, \u003c and \u0026.
func TestHTTP_ResponsesKeepHTMLCharacters(t *testing.T) {
	a := newTestAPI(t)
	const desc = `group "web" > task "api" > template[0]: <none> & more`
	a.backend.evals["e1"] = &structs.Evaluation{ID: "e1", Namespace: "default", JobID: "web", Status: structs.EvalStatusFailed, StatusDescription: desc}

	for _, path := range []string{"/v1/evaluation/e1", "/v1/evaluation/e1?pretty", "/v1/evaluations"} {
		r := a.do(t, "GET", path, nil)
		r.expect(t, 200, `group \"web\" > task \"api\" > template[0]: <none> & more`)
		for _, esc := range []string{`\u003e`, `\u003c`, `\u0026`} {
			if strings.Contains(r.body, esc) {
				t.Fatalf("GET %s: body escapes HTML characters (%s): %s", path, esc, r.body)
			}
		}
	}
	var got structs.Evaluation
	a.do(t, "GET", "/v1/evaluation/e1", nil).decode(t, &got)
	if got.StatusDescription != desc {
		t.Fatalf("StatusDescription = %q, want %q", got.StatusDescription, desc)
	}
}

// TestEncodeResponse_Shape: a compact body has no trailing newline, a
// pretty one is indented by four spaces and ends with one, as before the
// encoder stopped escaping HTML.
func TestEncodeResponse_Shape(t *testing.T) {
	obj := map[string]string{"A": "x > y"}
	compact, err := encodeResponse(obj, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(compact) != `{"A":"x > y"}` {
		t.Fatalf("compact = %q", compact)
	}
	pretty, err := encodeResponse(obj, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(pretty) != "{\n    \"A\": \"x > y\"\n}\n" {
		t.Fatalf("pretty = %q", pretty)
	}
	frame, err := encodeFrame(execOutFrame{Error: &execErrorFrame{Message: `task "a" > exec: <gone> & done`}})
	if err != nil {
		t.Fatal(err)
	}
	if string(frame) != `{"error":{"message":"task \"a\" > exec: <gone> & done"}}` {
		t.Fatalf("frame = %q", frame)
	}
}
