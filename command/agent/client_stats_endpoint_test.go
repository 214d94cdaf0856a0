package agent

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestClientStats: the agent's client answers with its host snapshot in
// Nomad's shape; another node's ID and an agent without a client are 400s;
// a failed collection is a 500 saying so.
func TestClientStats(t *testing.T) {
	api, c := newClientTestAPI(t)

	code, body := get(t, api.srv.URL+"/v1/client/stats")
	if code != 200 {
		t.Fatalf("stats: %d %s", code, body)
	}
	// The JSON field names are the API: decode into a map, not the type.
	var got map[string]interface{}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Memory", "CPU", "DiskStats", "AllocDirStats", "Uptime", "Timestamp", "CPUTicksConsumed"} {
		if _, ok := got[k]; !ok {
			t.Errorf("answer lacks %s: %s", k, body)
		}
	}
	if _, ok := got["NotMeasured"]; ok {
		t.Errorf("NotMeasured shown though everything was measured: %s", body)
	}
	mem := got["Memory"].(map[string]interface{})
	if mem["Total"] != float64(16<<30) || mem["Used"] != float64(4<<30) || mem["Available"] != float64(12<<30) || mem["Free"] != float64(8<<30) {
		t.Errorf("memory = %v", mem)
	}
	cpu := got["CPU"].([]interface{})
	if len(cpu) != 2 || cpu[0].(map[string]interface{})["CPU"] != "cpu0" || cpu[0].(map[string]interface{})["Total"] != 25.0 {
		t.Errorf("cpu = %v", cpu)
	}
	ad := got["AllocDirStats"].(map[string]interface{})
	for _, k := range []string{"Device", "Mountpoint", "Size", "Used", "Available", "UsedPercent", "InodesUsedPercent"} {
		if _, ok := ad[k]; !ok {
			t.Errorf("AllocDirStats lacks %s: %v", k, ad)
		}
	}

	if code, body := get(t, api.srv.URL+"/v1/client/stats?node_id="+c.nodeID); code != 200 {
		t.Errorf("own node_id: %d %s", code, body)
	}
	if code, body := get(t, api.srv.URL+"/v1/client/stats?node_id=node-other"); code != 400 || !strings.Contains(body, `only for this agent's own node node-local-0000, not node "node-other"`) {
		t.Errorf("other node_id: %d %s", code, body)
	}
	if code, body := httpDo(t, "PUT", api.srv.URL+"/v1/client/stats", nil); code != 405 {
		t.Errorf("PUT: %d %s", code, body)
	}

	c.mu.Lock()
	c.hostStatsErr = errors.New("read /proc/meminfo: permission denied")
	c.mu.Unlock()
	if code, body := get(t, api.srv.URL+"/v1/client/stats"); code != 500 || !strings.Contains(body, "collect host statistics: read /proc/meminfo: permission denied") {
		t.Errorf("failed collection: %d %s", code, body)
	}

	server := newTestAPI(t)
	if code, body := get(t, server.srv.URL+"/v1/client/stats"); code != 400 || !strings.Contains(body, "runs no client") {
		t.Errorf("no client: %d %s", code, body)
	}
}
