package structs

import (
	"strings"
	"testing"
	"time"
)

// Durations in a diff read as people write them in a job file, at any
// depth (a task field, a group's update block), and a contextual diff
// shows an unchanged one the same way.
func TestDiff_DurationsAreHuman(t *testing.T) {
	a, b := diffTestJob(), diffTestJob()
	a.TaskGroups[0].Tasks[0].KillTimeout = 5 * time.Second
	b.TaskGroups[0].Tasks[0].KillTimeout = 3 * time.Minute
	b.TaskGroups[0].Update.MinHealthyTime = 90 * time.Second
	d, err := a.Diff(b, true)
	if err != nil {
		t.Fatal(err)
	}
	got := flat(d)
	for _, want := range []string{
		"Edited KillTimeout 5s -> 3m0s",
		"Edited MinHealthyTime " + a.TaskGroups[0].Update.MinHealthyTime.String() + " -> 1m30s",
		"None HealthyDeadline " + a.TaskGroups[0].Update.HealthyDeadline.String() + " -> " + a.TaskGroups[0].Update.HealthyDeadline.String(),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "000000000") {
		t.Errorf("a duration in nanoseconds:\n%s", got)
	}
}
