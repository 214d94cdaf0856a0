package api

import (
	"encoding/json"
	"testing"
)

func TestNodesToggleEligibilityAndDrain(t *testing.T) {
	f := newFakeAgent(t)
	f.handleJSON("POST /v1/node/{id}/eligibility", 7, `{"EvalIDs":null,"EvalCreateIndex":0,"NodeModifyIndex":7,"Index":7}`)
	f.handleJSON("POST /v1/node/{id}/drain", 8, `{"EvalIDs":["e1"],"EvalCreateIndex":8,"NodeModifyIndex":8,"Index":8}`)
	f.handleJSON("GET /v1/node/{id}", 9, `{"ID":"n1","Drain":true,"SchedulingEligibility":"ineligible",
		"DrainStrategy":{"Deadline":3600000000000,"IgnoreSystemJobs":true,"StartedAt":5,"ForceDeadline":6},
		"NodeResources":{"Cpu":{"CpuShares":4000},"Memory":{"MemoryMB":8192},"Disk":{"DiskMB":102400}},
		"Events":[{"Message":"Node drain strategy set","Subsystem":"Drain","Timestamp":10}]}`)
	c := f.client(t)

	resp, wm, err := c.Nodes().ToggleEligibility("n1", false, nil)
	if err != nil || resp.NodeModifyIndex != 7 || wm.LastIndex != 7 {
		t.Fatalf("eligibility: %+v %+v %v", resp, wm, err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(f.body), &body); err != nil || body["Eligibility"] != "ineligible" || body["NodeID"] != "n1" {
		t.Fatalf("eligibility body = %s", f.body)
	}

	resp, _, err = c.Nodes().UpdateDrain("n1", &DrainSpec{Deadline: 3600e9, IgnoreSystemJobs: true}, false, nil)
	if err != nil || len(resp.EvalIDs) != 1 || resp.EvalCreateIndex != 8 {
		t.Fatalf("drain: %+v %v", resp, err)
	}
	body = nil
	if err := json.Unmarshal([]byte(f.body), &body); err != nil {
		t.Fatal(err)
	}
	spec, _ := body["DrainSpec"].(map[string]any)
	if spec["Deadline"] != 3600e9 || spec["IgnoreSystemJobs"] != true || body["MarkEligible"] != false {
		t.Fatalf("drain body = %s", f.body)
	}
	if _, _, err := c.Nodes().UpdateDrain("n1", nil, true, nil); err != nil || f.body != `{"NodeID":"n1","DrainSpec":null,"MarkEligible":true}` {
		t.Fatalf("disable body = %s, %v", f.body, err)
	}

	node, _, err := c.Nodes().Info("n1", nil)
	if err != nil || node.DrainStrategy == nil || node.DrainStrategy.Deadline != 3600e9 || node.NodeResources.Cpu.CpuShares != 4000 ||
		len(node.Events) != 1 || node.Events[0].Subsystem != "Drain" {
		t.Fatalf("node = %+v, %v", node, err)
	}
}
