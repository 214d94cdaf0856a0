package structs

import (
	"strings"
	"testing"
	"time"
)

func TestValidateChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(tg *TaskGroup)
		wants []string // "" is valid
	}{
		{"valid", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", PortLabel: "http", Checks: []*ServiceCheck{
				{Name: "h", Type: "http", Path: "/", Interval: 10 * time.Second, Timeout: 2 * time.Second},
				{Name: "s", Type: "script", Command: "true", TaskName: "redis", Interval: 10 * time.Second, Timeout: 2 * time.Second,
					CheckRestart: &CheckRestart{Limit: 3, Grace: time.Minute}},
			}}}
		}, nil},
		{"missing port", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", PortLabel: "admin", Checks: []*ServiceCheck{
				{Name: "h", Type: "tcp", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{`no port labelled "admin"`, `"http"`}},
		{"no port at all", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", Checks: []*ServiceCheck{
				{Name: "h", Type: "grpc", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{"a grpc check needs a port"}},
		{"script of a group service without task", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", Checks: []*ServiceCheck{
				{Name: "s", Type: "script", Command: "true", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{`must name the task it runs in`}},
		{"script in an unknown task", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", Checks: []*ServiceCheck{
				{Name: "s", Type: "script", Command: "true", TaskName: "nope", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{`no task "nope"`}},
		{"script in a task whose driver cannot exec", func(tg *TaskGroup) {
			tg.Tasks[0].Driver = "wasm"
			tg.Tasks[0].Services = []*Service{{Name: "web", Checks: []*ServiceCheck{
				{Name: "s", Type: "script", Command: "true", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{`check[0] > type: a script check`, `task "redis", whose driver "wasm" cannot run commands`, `"http", "tcp" or "grpc"`, `("docker", "oci")`}},
		{"bounds", func(tg *TaskGroup) {
			tg.Tasks[0].Services = []*Service{{Name: "web", PortLabel: "http", Checks: []*ServiceCheck{
				{Name: "h", Type: "tcp", Interval: 100 * time.Millisecond, Timeout: 10 * time.Millisecond,
					CheckRestart: &CheckRestart{Limit: -1, Grace: -time.Second}}}}}
		}, []string{"must be at least 1s, got 100ms", "must be at least 1s, got 10ms", "must be 0 (never restart) or more", "must not be negative"}},
		{"unknown type", func(tg *TaskGroup) {
			tg.Services = []*Service{{Name: "web", PortLabel: "http", Checks: []*ServiceCheck{
				{Name: "h", Type: "icmp", Interval: 10 * time.Second, Timeout: 2 * time.Second}}}}
		}, []string{`unknown check type "icmp"`, `"script"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := testJob()
			j.Priority = 50
			j.TaskGroups[0].Networks = []*NetworkResource{{DynamicPorts: []Port{{Label: "http"}}}}
			tc.edit(j.TaskGroups[0])
			err := j.Validate()
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("valid job refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
