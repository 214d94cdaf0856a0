package api

import "testing"

func TestAllocationsChecks(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/client/allocation/a1/checks", 0, `{
		"x":{"ID":"x","Check":"ready","Group":"g","Mode":"readiness","Service":"web","Status":"pending","Timestamp":5},
		"y":{"ID":"y","Check":"alive","Group":"g","Mode":"healthiness","Service":"web","Status":"failure","StatusCode":503,"Output":"503","Timestamp":6}}`)
	c := f.client(t)
	got, err := c.Allocations().Checks("a1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["y"].StatusCode != 503 || got["y"].Status != CheckFailure || got["x"].Mode != CheckModeReadiness {
		t.Fatalf("checks = %+v", got)
	}
	if s := got.Sorted(); s[0].Check != "alive" || s[1].Check != "ready" {
		t.Fatalf("sorted = %+v", s)
	}
}
