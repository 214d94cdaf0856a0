package nomadish

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func parameterizedJob(id, payload string) *structs.Job {
	j := mockJob(id)
	j.Type = structs.JobTypeBatch
	j.Meta = map[string]string{"owner": "ops", "input": "default"}
	j.ParameterizedJob = &structs.ParameterizedJobConfig{Payload: payload, MetaRequired: []string{"input"}, MetaOptional: []string{"priority"}}
	return j
}

func TestJobDispatch_CreatesChildAndEvalInOneEntry(t *testing.T) {
	clock := newFakeClock(time.Unix(1700000000, 0))
	s := testServer(t, func(c *Config) { c.Clock = clock })
	waitForLeader(t, s)
	registerJob(t, s, parameterizedJob("render", structs.DispatchPayloadOptional))

	var resp structs.JobDispatchResponse
	req := &structs.JobDispatchRequest{JobID: "render", Payload: []byte("hello"), Meta: map[string]string{"input": "s3://x"}}
	if err := s.RPC("Job.Dispatch", req, &resp); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^render/dispatch-1700000000-[0-9a-f]{8}$`).MatchString(resp.DispatchedJobID) {
		t.Fatalf("child ID = %q", resp.DispatchedJobID)
	}
	if resp.EvalID == "" || resp.EvalCreateIndex != resp.JobCreateIndex || resp.Index != resp.JobCreateIndex {
		t.Fatalf("dispatch response = %+v (job and eval must share one Raft entry)", resp)
	}
	child, _ := s.State().JobByID(nil, "default", resp.DispatchedJobID)
	if child == nil || !child.Dispatched || child.ParentID != "render" || child.ParameterizedJob != nil ||
		string(child.Payload) != "hello" || child.Meta["input"] != "s3://x" || child.Meta["owner"] != "ops" || child.CreateIndex != resp.JobCreateIndex {
		t.Fatalf("child = %+v", child)
	}
	eval, _ := s.State().EvalByID(nil, resp.EvalID)
	if eval == nil || eval.JobID != child.ID || eval.CreateIndex != resp.EvalCreateIndex {
		t.Fatalf("eval = %+v", eval)
	}
	// The child can be read back by its ID with the slash.
	var got structs.SingleJobResponse
	if err := s.RPC("Job.GetJob", &structs.JobSpecificRequest{JobID: child.ID}, &got); err != nil || got.Job == nil {
		t.Fatalf("get child: %v", err)
	}

	var tmpl structs.JobDispatchResponse
	req = &structs.JobDispatchRequest{JobID: "render", Meta: map[string]string{"input": "x"}, IdPrefixTemplate: "nightly"}
	if err := s.RPC("Job.Dispatch", req, &tmpl); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tmpl.DispatchedJobID, "render/dispatch-nightly-1700000000-") {
		t.Fatalf("templated child ID = %q", tmpl.DispatchedJobID)
	}
}

func TestJobDispatch_Rules(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	registerJob(t, s, mockJob("plain"))
	registerJob(t, s, parameterizedJob("forbid", structs.DispatchPayloadForbidden))
	registerJob(t, s, parameterizedJob("require", structs.DispatchPayloadRequired))
	registerJob(t, s, parameterizedJob("opt", structs.DispatchPayloadOptional))
	ok := map[string]string{"input": "x"}

	for _, tc := range []struct {
		job     string
		payload []byte
		meta    map[string]string
		tmpl    string
		want    []string
	}{
		{"plain", nil, nil, "", []string{`job "plain" is not a parameterized job`}},
		{"forbid", []byte("x"), ok, "", []string{`Payload: job "forbid" forbids a payload`}},
		{"require", nil, ok, "", []string{`Payload: job "require" requires a payload`}},
		{"opt", make([]byte, 16<<10+1), ok, "", []string{"Payload: is 16385 bytes; at most 16384 bytes"}},
		{"opt", nil, map[string]string{"colour": "red"}, "", []string{
			`Meta[colour]: not accepted by job "opt"; accepted keys: "input", "priority"`,
			`Meta[input]: required by job "opt"; give it with -meta input=<value>`}},
		{"opt", nil, ok, "bad/template", []string{`IdPrefixTemplate: "bad/template"`}},
	} {
		var resp structs.JobDispatchResponse
		err := s.RPC("Job.Dispatch", &structs.JobDispatchRequest{JobID: tc.job, Payload: tc.payload, Meta: tc.meta, IdPrefixTemplate: tc.tmpl}, &resp)
		if !structs.IsValidationError(err) {
			t.Fatalf("%s: err = %v, want a validation error", tc.job, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("%s: %v lacks %q", tc.job, err, w)
			}
		}
	}
	// Exactly the limit is accepted.
	var resp structs.JobDispatchResponse
	if err := s.RPC("Job.Dispatch", &structs.JobDispatchRequest{JobID: "opt", Payload: make([]byte, 16<<10), Meta: ok}, &resp); err != nil {
		t.Fatalf("payload at the limit: %v", err)
	}
	if err := s.RPC("Job.Dispatch", &structs.JobDispatchRequest{JobID: "nope"}, &resp); !structs.IsErrNotFound(err) {
		t.Fatalf("missing parent: %v", err)
	}
}
