package nemesis

import (
	"reflect"
	"testing"
	"time"
)

// A schedule is a function of its seed: the same seed draws the same
// steps, another seed other steps.
func TestGenerateIsReproducibleFromItsSeed(t *testing.T) {
	a := Generate(42, 5, 2, time.Minute)
	b := Generate(42, 5, 2, time.Minute)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("seed 42 drew two different schedules:\n%s\n%s", a, b)
	}
	if c := Generate(43, 5, 2, time.Minute); reflect.DeepEqual(a.Steps, c.Steps) {
		t.Fatalf("seeds 42 and 43 drew the same schedule:\n%s", a)
	}
	if a.Duration() < time.Minute {
		t.Fatalf("schedule of %s asked for a minute:\n%s", a.Duration(), a)
	}
}

// A 3-server schedule never splits 2+3, one without clients never
// touches a client, and every hold outlasts the election timeout.
func TestGenerateDrawsOnlyFaultsTheClusterCanTake(t *testing.T) {
	seen := map[Kind]bool{}
	for seed := range uint64(50) {
		s := Generate(seed, 3, 0, time.Minute)
		for _, st := range s.Steps {
			seen[st.Kind] = true
			switch st.Kind {
			case Split23, ClientKill, ClientPause:
				t.Fatalf("seed %d: %s drawn for 3 servers and no clients:\n%s", seed, st.Kind, s)
			}
			if st.Hold < 3*time.Second || st.Gap < 2*time.Second {
				t.Fatalf("seed %d: step %+v holds or rests too briefly", seed, st)
			}
		}
	}
	for _, k := range []Kind{LeaderKill, FollowerKill, LeaderPause, LeaderPartition, RestartWithData, RestartWithoutData} {
		if !seen[k] {
			t.Errorf("50 schedules never drew %s", k)
		}
	}
	seen5 := map[Kind]bool{}
	for seed := range uint64(50) {
		for _, st := range Generate(seed, 5, 2, time.Minute).Steps {
			seen5[st.Kind] = true
		}
	}
	for _, k := range Kinds {
		if !seen5[k] {
			t.Errorf("50 schedules of 5 servers and 2 clients never drew %s", k)
		}
	}
}
