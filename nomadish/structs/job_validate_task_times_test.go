package structs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func taskTimesDur(d time.Duration) *time.Duration { return &d }

func TestValidateTaskTimes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		jobType  string
		edit     func(*Task)
		wantErrs []string // substrings of the error; none: valid
	}{
		{"no delay, no deadline", JobTypeService, func(*Task) {}, nil},
		{"a shutdown_delay", JobTypeService, func(t *Task) { t.ShutdownDelay = 5 * time.Second }, nil},
		{"a negative shutdown_delay", JobTypeService, func(t *Task) { t.ShutdownDelay = -time.Second },
			[]string{`group "cache" > task "redis" > shutdown_delay: must not be negative, got -1s`}},
		{"a deadline on a batch task", JobTypeBatch, func(t *Task) { t.MaxRunDuration = taskTimesDur(time.Hour) }, nil},
		{"a deadline on a sysbatch task", JobTypeSysBatch, func(t *Task) { t.MaxRunDuration = taskTimesDur(time.Hour) }, nil},
		{"a zero deadline", JobTypeBatch, func(t *Task) { t.MaxRunDuration = taskTimesDur(0) },
			[]string{`group "cache" > task "redis" > max_run_duration: must be greater than 0, got 0s`}},
		{"a negative deadline", JobTypeBatch, func(t *Task) { t.MaxRunDuration = taskTimesDur(-time.Minute) },
			[]string{`max_run_duration: must be greater than 0, got -1m0s`}},
		{"a deadline on a service's main task", JobTypeService, func(t *Task) { t.MaxRunDuration = taskTimesDur(time.Hour) },
			[]string{`group "cache" > task "redis" > max_run_duration: only batch and sysbatch jobs`, `this task of a service job runs until it is stopped`}},
		{"a deadline on a system job's sidecar", JobTypeSystem, func(t *Task) {
			t.MaxRunDuration = taskTimesDur(time.Hour)
			t.Lifecycle = &TaskLifecycleConfig{Hook: TaskLifecycleHookPrestart, Sidecar: true}
		}, []string{`max_run_duration: only batch and sysbatch jobs, or prestart, poststart and poststop tasks that are not sidecars`}},
		{"a deadline on a service's prestart task", JobTypeService, func(t *Task) {
			t.MaxRunDuration = taskTimesDur(time.Hour)
			t.Lifecycle = &TaskLifecycleConfig{Hook: TaskLifecycleHookPrestart}
		}, nil},
		{"a deadline on a service's poststop task", JobTypeService, func(t *Task) {
			t.MaxRunDuration = taskTimesDur(time.Minute)
			t.Lifecycle = &TaskLifecycleConfig{Hook: TaskLifecycleHookPoststop}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := testJob()
			job.Type = tc.jobType
			if tc.jobType == JobTypeSystem || tc.jobType == JobTypeSysBatch {
				job.TaskGroups[0].Count = 1
			}
			job.Canonicalize()
			tc.edit(job.TaskGroups[0].Tasks[0])
			err := job.Validate()
			if len(tc.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error with %q, got none", tc.wantErrs)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%s", w, err)
				}
			}
		})
	}
}

// TestTaskTimesJSON: the fields travel under the names the API documents,
// and a task without a deadline carries none.
func TestTaskTimesJSON(t *testing.T) {
	b, err := json.Marshal(&Task{Name: "a", ShutdownDelay: 2 * time.Second, MaxRunDuration: taskTimesDur(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"ShutdownDelay":2000000000`) || !strings.Contains(string(b), `"MaxRunDuration":60000000000`) {
		t.Fatalf("json %s", b)
	}
	b, _ = json.Marshal(&Task{Name: "a"})
	if strings.Contains(string(b), "MaxRunDuration") {
		t.Fatalf("a task without a deadline carries one: %s", b)
	}
}
