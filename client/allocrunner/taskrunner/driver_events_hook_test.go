package taskrunner

import (
	"context"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func TestDriverEventsHookFiltersByTask(t *testing.T) {
	task := mockTask("web", nil)
	env := newTestEnv(t, structs.JobTypeService, task)
	ctx := context.Background()
	for _, id := range []string{"mine", "other"} {
		cfg := &plugin.TaskConfig{ID: id, Name: id, DriverConfig: []byte(`{"run_for":"1h"}`)}
		if _, err := env.mock.StartTask(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []*structs.TaskEvent
	h := newDriverEventsHook(func(ev *structs.TaskEvent) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
	}, hclog.NewNullLogger())
	if err := h.Poststart(ctx, &PoststartRequest{TaskID: "mine", Driver: env.mock}); err != nil {
		t.Fatal(err)
	}
	if err := env.mock.SignalTask(ctx, "other", "SIGHUP"); err != nil {
		t.Fatal(err)
	}
	if err := env.mock.SignalTask(ctx, "mine", "SIGUSR2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "my event", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	if err := h.Exited(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != EventDriver || got[0].Message != "received signal SIGUSR2" {
		t.Fatalf("events %+v, want only mine", got)
	}
}
