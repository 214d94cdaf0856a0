package api

import "testing"

func TestRegionsList(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/regions", 0, `["eu","global"]`)
	regions, err := f.client(t).Regions().List()
	if err != nil || len(regions) != 2 || regions[0] != "eu" {
		t.Fatalf("regions = %v, %v", regions, err)
	}
}
