package api

import "testing"

func TestDeploymentsListAndInfo(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("GET /v1/deployments", 3, `[{"ID":"d1","JobID":"web","Status":"running"}]`)
	f.handleJSON("GET /v1/deployment/{id}", 3, `{"ID":"d1","JobID":"web","Status":"successful",
		"TaskGroups":{"g":{"DesiredTotal":3,"HealthyAllocs":3,"PlacedCanaries":["a1"]}}}`)
	c := f.client(t)

	list, _, err := c.Deployments().List(nil)
	if err != nil || list[0].Status != "running" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	d, _, err := c.Deployments().Info("d1", nil)
	if err != nil || d.TaskGroups["g"].HealthyAllocs != 3 || d.TaskGroups["g"].PlacedCanaries[0] != "a1" {
		t.Fatalf("deployment = %+v, %v", d, err)
	}
}
