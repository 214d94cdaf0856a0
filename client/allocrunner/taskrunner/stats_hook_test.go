package taskrunner

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestStatsHookKeepsLatestSample(t *testing.T) {
	task := mockTask("web", map[string]interface{}{"run_for": "1h"})
	env := newTestEnv(t, structs.JobTypeService, task)
	ctx := context.Background()
	cfg := &plugin.TaskConfig{ID: "t1", Name: "web", DriverConfig: []byte(`{"run_for":"1h"}`), Resources: plugin.Resources{MemoryMB: 32}}
	if _, err := env.mock.StartTask(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	h := newStatsHook(time.Second, hclog.NewNullLogger())
	if err := h.Poststart(ctx, &PoststartRequest{TaskID: "t1", Driver: env.mock}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a first sample", func() bool { return h.latest() != nil })
	if u := h.latest(); u.MemoryRSSBytes != 32<<20 || u.CPUUserTicks != 1 {
		t.Fatalf("sample %+v", u)
	}
	waitFor(t, "the next sample is due", func() bool { return env.clock.Armed() >= 2 })
	env.clock.Advance(time.Second)
	waitFor(t, "a newer sample", func() bool { return h.latest().CPUUserTicks == 2 })
	if err := h.Exited(ctx); err != nil {
		t.Fatal(err)
	}
	if h.latest() != nil {
		t.Fatal("a sample is kept after the task exited")
	}
}

func TestStatsHookOff(t *testing.T) {
	h := newStatsHook(-1, hclog.NewNullLogger())
	if err := h.Poststart(context.Background(), &PoststartRequest{TaskID: "none"}); err != nil {
		t.Fatalf("stats off: %v", err)
	}
}
