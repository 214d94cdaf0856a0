package structs

import (
	"encoding/json"
	"testing"
)

// FuzzJobValidate feeds arbitrary JSON jobs through the path every
// endpoint takes: ValidateBounds, Canonicalize, Validate. None may panic,
// and a job that validates must survive a deep copy and a msgpack round
// trip, as it will in Raft and in the RPC replies to clients.
//
//	go test -run '^$' -fuzz FuzzJobValidate -fuzztime 30s ./nomadish/structs
func FuzzJobValidate(f *testing.F) {
	seed, err := json.Marshal(testJob())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"ID":"x","TaskGroups":[null]}`))
	f.Add([]byte(`{"ID":"x","TaskGroups":[{"Name":"g","Tasks":[null],"Networks":[null],"Services":[{"Checks":[null]}]}]}`))
	f.Add([]byte(`{"ID":"x","TaskGroups":[{"Name":"g","Count":9223372036854775807,"Tasks":[{"Name":"t","Driver":"d","Config":{"a":[[[{"b":{}}]]]}}]}]}`))
	f.Add([]byte(`{"ID":"x","Spreads":[{"SpreadTarget":[null]}],"Constraints":[null],"Affinities":[null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var job Job
		if json.Unmarshal(body, &job) != nil {
			return
		}
		_ = job.ValidateBounds(Limits{})
		job.Canonicalize()
		if err := job.Validate(); err != nil {
			if !IsValidationError(err) {
				t.Fatalf("not a validation error: %v", err)
			}
			return
		}
		_ = job.Warnings()
		cp := job.Copy()
		buf, err := Encode(JobRegisterRequestType, &JobRegisterRequest{Job: cp})
		if err != nil {
			t.Fatalf("an accepted job does not encode: %v", err)
		}
		var out JobRegisterRequest
		if err := Decode(buf[1:], &out); err != nil {
			t.Fatalf("an accepted job does not decode: %v", err)
		}
	})
}
