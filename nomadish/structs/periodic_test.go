package structs

import (
	"strings"
	"testing"
	"time"
)

func TestPeriodicNext_TimeZoneAndSpecs(t *testing.T) {
	p := &PeriodicConfig{Enabled: true, Spec: "0 9 * * *", TimeZone: "America/New_York"}
	from := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC) // 07:00 in New York
	next, err := p.Next(from)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 1, 15, 14, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Fatalf("next = %s, want %s", next.UTC(), want)
	}
	// The earliest of several specs wins.
	p = &PeriodicConfig{Enabled: true, Spec: "0 12 * * *", Specs: []string{"30 * * * *"}}
	next, _ = p.Next(from)
	if want := time.Date(2024, 1, 15, 12, 30, 0, 0, time.UTC); !next.Equal(want) {
		t.Fatalf("next = %s, want %s", next, want)
	}
}

func TestValidate_PeriodicSpecAndTimeZone(t *testing.T) {
	j := &Job{ID: "nightly", Type: JobTypeBatch, Datacenters: []string{"dc1"},
		Periodic:   &PeriodicConfig{Enabled: true, Spec: "61 * * * *", TimeZone: "Mars/Olympus"},
		TaskGroups: []*TaskGroup{{Name: "g", Count: 1, Tasks: []*Task{{Name: "t", Driver: "mock"}}}}}
	j.Canonicalize()
	err := j.Validate()
	if err == nil {
		t.Fatal("invalid cron and time zone accepted")
	}
	for _, want := range []string{`periodic > cron: invalid cron expression "61 * * * *"`, `periodic > time_zone: unknown time zone "Mars/Olympus"`} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%v lacks %q", err, want)
		}
	}
}

func TestValidate_JobIDMayHoldSlash(t *testing.T) {
	mk := func(id string) error {
		j := &Job{ID: id, Type: JobTypeBatch, Datacenters: []string{"dc1"},
			TaskGroups: []*TaskGroup{{Name: "g", Count: 1, Tasks: []*Task{{Name: "t", Driver: "mock"}}}}}
		j.Canonicalize()
		return j.Validate()
	}
	if err := mk("batch/periodic-1700000000"); err != nil {
		t.Fatalf("child ID refused: %v", err)
	}
	for _, bad := range []string{"/x", "x/", "a//b", "a/../b", "a b"} {
		if err := mk(bad); err == nil || !strings.Contains(err.Error(), "ID:") {
			t.Fatalf("ID %q: err = %v", bad, err)
		}
	}
	// Group and task names still may not.
	j := &Job{ID: "x", Type: JobTypeBatch, Datacenters: []string{"dc1"},
		TaskGroups: []*TaskGroup{{Name: "g/h", Count: 1, Tasks: []*Task{{Name: "t/u", Driver: "mock"}}}}}
	j.Canonicalize()
	err := j.Validate()
	if err == nil || !strings.Contains(err.Error(), `group "g/h" > name`) || !strings.Contains(err.Error(), `group "g/h" > task "t/u" > name`) {
		t.Fatalf("slash in names: %v", err)
	}
}
