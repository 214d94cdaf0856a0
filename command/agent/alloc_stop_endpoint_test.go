package agent

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestAllocStopEndpoint(t *testing.T) {
	api := newTestAPI(t)
	api.backend.allocs["a1"] = &structs.Allocation{ID: "a1"}
	code, body := httpDo(t, "PUT", api.srv.URL+"/v1/allocation/a1/stop?no_shutdown_delay=true", nil)
	if code != 200 || !strings.Contains(string(body), `"EvalID":"eval-stop-11"`) || !strings.Contains(string(body), `"Index":11`) {
		t.Fatalf("stop: %d %s", code, body)
	}
	if !api.backend.allocs["a1"].DesiredTransition.Migrate {
		t.Fatal("not marked for migration")
	}
	if code, body := httpDo(t, "POST", api.srv.URL+"/v1/allocation/nope/stop", nil); code != 404 {
		t.Fatalf("stop missing: %d %s", code, body)
	}
	if code, _ := httpDo(t, "GET", api.srv.URL+"/v1/allocation/a1/stop", nil); code != 405 {
		t.Fatalf("GET stop: %d", code)
	}
}
