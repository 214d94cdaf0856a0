package command

import (
	"testing"
	"time"
)

func TestFormatList(t *testing.T) {
	got := formatList([]string{"ID|Type|Status", "web|service|running", "a-long-name|batch|dead"})
	want := "ID           Type     Status\n" +
		"web          service  running\n" +
		"a-long-name  batch    dead"
	if got != want {
		t.Fatalf("formatList =\n%s\nwant\n%s", got, want)
	}
	if got := formatList([]string{"a|", "bb|x"}); got != "a\nbb  x" {
		t.Fatalf("trailing empty cell: %q", got)
	}
}

func TestFormatKV(t *testing.T) {
	got := formatKV([]string{"ID|web", "Submit Date|now"})
	want := "ID          = web\nSubmit Date = now"
	if got != want {
		t.Fatalf("formatKV =\n%s\nwant\n%s", got, want)
	}
}

func TestShortID(t *testing.T) {
	id := "0123456789abcdef"
	if shortID(id, false) != "01234567" || shortID(id, true) != id || shortID("abc", false) != "abc" {
		t.Fatal("shortID")
	}
}

func TestFormatTimeAgo(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[time.Duration]string{
		12 * time.Second:               "12s ago",
		3*time.Minute + 12*time.Second: "3m12s ago",
		2*time.Hour + 5*time.Minute:    "2h5m ago",
		50 * time.Hour:                 "2d2h ago",
		-time.Minute:                   "in 1m0s",
	}
	for ago, want := range cases {
		if got := formatTimeAgo(now.Add(-ago).UnixNano(), now); got != want {
			t.Errorf("formatTimeAgo(-%v) = %q, want %q", ago, got, want)
		}
	}
	if formatTimeAgo(0, now) != "<none>" || formatUnixNano(0) != "<none>" {
		t.Error("zero times")
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if got, want := formatUnixNano(ts.UnixNano()), ts.Local().Format(time.RFC3339); got != want {
		t.Errorf("formatUnixNano = %q, want %q", got, want)
	}
}

func TestFormatTags(t *testing.T) {
	if got := formatTags(map[string]string{"region": "global", "dc": "dc1"}); got != "dc=dc1,region=global" {
		t.Fatalf("formatTags = %q", got)
	}
}
