package command

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// An agent that answers without blocking (no X-Nomad-Index) must not be
// polled in a hot loop: the monitor pauses between reads.
func TestMonitorPausesWhenAgentDoesNotBlock(t *testing.T) {
	var reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reads.Add(1)
		fmt.Fprint(w, `{"ID":"e1","Status":"pending","JobID":"web"}`)
	}))
	defer srv.Close()
	meta, ui, clock := testMeta(t)
	client, err := api.NewClient(&api.Config{Address: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()

	m := &evalMonitor{ui: ui, client: client, meta: &meta, timeout: 2 * time.Second, jobID: "web"}
	if code := m.monitor("e1"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := int(2*time.Second/monitorPollInterval) + 1; int(reads.Load()) > want {
		t.Fatalf("%d reads in 2s of fake time, want at most %d", reads.Load(), want)
	}
	if clock.Now().Sub(start) < 2*time.Second {
		t.Fatal("monitor gave up early")
	}
	if !strings.Contains(ui.OutputWriter.String(), `is still "pending" after 2s`) {
		t.Fatalf("output = %s", ui.OutputWriter.String())
	}
}

func TestMonitorEvaluationGone(t *testing.T) {
	f := newFakeAgent(t)
	meta, ui, _ := testMeta(t)
	client, _ := api.NewClient(&api.Config{Address: f.URL})
	m := &evalMonitor{ui: ui, client: client, meta: &meta, timeout: time.Second}
	if code := m.monitor("missing"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(ui.ErrorWriter.String(), `Error reading evaluation "missing": Unexpected response code: 404 (eval not found)`) {
		t.Fatalf("stderr = %s", ui.ErrorWriter.String())
	}
}

func TestDescribePlacementFailure(t *testing.T) {
	got := describePlacementFailure(&api.AllocationMetric{
		NodesAvailable:     map[string]int{"dc1": 2, "dc2": 0},
		ClassFiltered:      map[string]int{"gpu": 1},
		ClassExhausted:     map[string]int{"small": 3},
		DimensionExhausted: map[string]int{"cpu": 1},
	})
	want := []string{
		"No nodes were eligible for evaluation",
		`No nodes are available in datacenter "dc2"`,
		`Class "gpu": 1 node excluded by filter`,
		`Class "small" exhausted on 3 nodes`,
		`Dimension "cpu" exhausted on 1 node`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
