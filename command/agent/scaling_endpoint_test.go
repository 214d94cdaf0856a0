package agent

import (
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestScalingPolicies_ListGetAndScaleBounds(t *testing.T) {
	a := newDevAPI(t)
	job := testJob("web")
	job["TaskGroups"].([]map[string]interface{})[0]["Scaling"] = map[string]interface{}{
		"Min": 1, "Max": 10, "Enabled": true, "Policy": map[string]interface{}{"cooldown": "1m"}}
	a.do(t, "PUT", "/v1/jobs", map[string]interface{}{"Job": job}).expect(t, 200)

	var list []structs.ScalingPolicyListStub
	a.do(t, "GET", "/v1/scaling/policies?job=web", nil).decode(t, &list)
	if len(list) != 1 || list[0].Target["Group"] != "web" || list[0].Type != "horizontal" {
		t.Fatalf("policies %+v", list)
	}
	var p structs.ScalingPolicy
	a.do(t, "GET", "/v1/scaling/policy/"+list[0].ID, nil).decode(t, &p)
	if p.Max != 10 || p.Min == nil || *p.Min != 1 || p.Policy["cooldown"] != "1m" {
		t.Fatalf("policy %+v", p)
	}
	a.do(t, "GET", "/v1/scaling/policy/nope", nil).expect(t, 404, "scaling policy not found")

	a.do(t, "PUT", "/v1/job/web/scale", map[string]interface{}{"Count": 12, "Target": map[string]string{"Group": "web"}}).
		expect(t, 400, `group "web": count 12 is above scaling.max 10`)
	a.do(t, "PUT", "/v1/job/web/scale", map[string]interface{}{"Count": 4, "Target": map[string]string{"Group": "web"}}).expect(t, 200)
	a.do(t, "GET", "/v1/scaling/policies?job=other", nil).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("policies of another job: %+v", list)
	}
}
