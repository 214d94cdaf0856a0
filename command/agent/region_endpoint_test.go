package agent

import "testing"

func TestRegions_List(t *testing.T) {
	a := newTestAPI(t)
	a.backend.regions = []string{"eu", "global"}
	a.do(t, "GET", "/v1/regions", nil).expect(t, 200, `["eu","global"]`)
}
