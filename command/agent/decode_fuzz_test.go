package agent

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// bodyDecoder decodes one endpoint's body type the way its handler does,
// and returns the job it holds, if any.
type bodyDecoder struct {
	name   string
	decode func(r *http.Request) (*structs.Job, error)
}

// bodyDecoders lists every PUT/POST body type the HTTP API decodes (grep
// decodeBody, decodeJobBody and decodeOptionalBody in command/agent).
var bodyDecoders = []bodyDecoder{
	{"jobRegister", func(r *http.Request) (*structs.Job, error) {
		var b jobRegisterBody
		err := decodeJobBody(r, &b, func() *structs.Job { return b.Job })
		return b.Job, err
	}},
	{"jobPlan", func(r *http.Request) (*structs.Job, error) {
		var b jobPlanBody
		err := decodeJobBody(r, &b, func() *structs.Job { return b.Job })
		return b.Job, err
	}},
	{"jobValidate", func(r *http.Request) (*structs.Job, error) {
		var b jobValidateBody
		err := decodeJobBody(r, &b, func() *structs.Job { return b.Job })
		return b.Job, err
	}},
	{"jobDispatch", func(r *http.Request) (*structs.Job, error) {
		var b jobDispatchBody
		return nil, decodeOptionalBody(r, &b)
	}},
	{"jobEvaluate", func(r *http.Request) (*structs.Job, error) {
		var b jobEvaluateBody
		return nil, decodeOptionalBody(r, &b)
	}},
	{"jobRevert", func(r *http.Request) (*structs.Job, error) {
		var b jobRevertBody
		return nil, decodeBody(r, &b)
	}},
	{"jobScale", func(r *http.Request) (*structs.Job, error) {
		var b jobScaleBody
		return nil, decodeBody(r, &b)
	}},
	{"jobsParse", func(r *http.Request) (*structs.Job, error) {
		var b jobsParseBody
		return nil, decodeBody(r, &b)
	}},
	{"nodeEligibility", func(r *http.Request) (*structs.Job, error) {
		var b nodeEligibilityBody
		return nil, decodeBody(r, &b)
	}},
	{"nodeDrain", func(r *http.Request) (*structs.Job, error) {
		var b nodeDrainBody
		return nil, decodeBody(r, &b)
	}},
	{"deploymentPause", func(r *http.Request) (*structs.Job, error) {
		var b deploymentPauseBody
		return nil, decodeBody(r, &b)
	}},
	{"allocRestart", func(r *http.Request) (*structs.Job, error) {
		var b allocRestartRequest
		return nil, decodeOptionalBody(r, &b)
	}},
	{"allocSignal", func(r *http.Request) (*structs.Job, error) {
		var b allocSignalRequest
		return nil, decodeBody(r, &b)
	}},
}

// FuzzDecodeBodies feeds arbitrary bodies to every request decoder of the
// HTTP API, bounded as wrap bounds them. None may panic, every failure
// must be a 4xx, and a job that decodes must go through the server's
// validation path without a panic.
//
//	go test -run '^$' -fuzz FuzzDecodeBodies -fuzztime 30s ./command/agent
func FuzzDecodeBodies(f *testing.F) {
	seeds := []string{
		`{"Job":{"ID":"web","TaskGroups":[{"Name":"g","Tasks":[{"Name":"t","Driver":"mock","Config":{"a":[1,{"b":null}]}}]}]}}`,
		`{"Job":{"TaskGroups":[null,{"Tasks":[null]}]}}`,
		`{"Count": 2147483648, "Target": {"Group": "web"}}`,
		`{"JobVersion": 1, "EnforcePriorVersion": 0}`,
		`{"Payload": "aGk=", "Meta": {"k": "v"}}`,
		`{"DrainSpec": {"Deadline": -1}, "MarkEligible": true}`,
		`{"JobHCL": "job \"x\" {}", "Canonicalize": true}`,
		`{"Pause": true}`, `{"Signal": "SIGHUP", "Task": "t"}`, `[[[[[[[[`, `"\"{["`, ``,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		d := bodyDecoders[int(which)%len(bodyDecoders)]
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("PUT", "/", bytes.NewReader(body))
		r.Body = http.MaxBytesReader(rec, r.Body, MaxRequestBody)
		job, err := d.decode(r)
		if err != nil {
			var ce *CodedError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &ce) && ce.Code >= 400 && ce.Code < 500:
			case errors.As(err, &mbe):
			default:
				t.Fatalf("%s: %T is not a 4xx: %v", d.name, err, err)
			}
			return
		}
		if job == nil {
			return
		}
		if job.ValidateBounds(structs.Limits{}) != nil {
			return
		}
		job.Canonicalize()
		if err := job.Validate(); err == nil {
			_ = job.Copy()
		}
	})
}
