package command

import (
	"errors"
	"testing"

	"github.com/nomadish/nomadish/api"
)

func TestLookupJob(t *testing.T) {
	f := newFakeAgent(t)
	f.addJob(&api.Job{ID: "web"})
	f.addJob(&api.Job{ID: "webserver"})
	f.addJob(&api.Job{ID: "cache"})
	client, err := api.NewClient(&api.Config{Address: f.URL})
	if err != nil {
		t.Fatal(err)
	}

	// An exact ID wins even though it is also a prefix of another job.
	if job, exact, err := lookupJob(client, "web"); err != nil || !exact || job.ID != "web" {
		t.Fatalf("web: %v %v %v", job, exact, err)
	}
	if job, exact, err := lookupJob(client, "ca"); err != nil || exact || job.ID != "cache" {
		t.Fatalf("ca: %v %v %v", job, exact, err)
	}
	var aje *ambiguousJobError
	if _, _, err := lookupJob(client, "we"); !errors.As(err, &aje) || len(aje.matches) != 2 {
		t.Fatalf("we: %v", err)
	}
	var nje *noJobError
	if _, _, err := lookupJob(client, "x"); !errors.As(err, &nje) {
		t.Fatalf("x: %v", err)
	}
}
