package structs

import (
	"errors"
	"strings"
	"testing"
)

func TestJobValidateReportsEveryProblemWithItsPath(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.ID = ""
	job.TaskGroups[0].Count = -1
	job.TaskGroups[0].Tasks = append(job.TaskGroups[0].Tasks, &Task{Name: "side", Driver: "wasm", Resources: &Resources{CPU: 100, MemoryMB: 5}})
	job.Constraints = []*Constraint{{LTarget: "${attr.kernel.name}", RTarget: "linux", Operand: "~="}}

	err := job.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	want := []string{
		"ID: required",
		"TaskGroups[0].Count: must be 0 or more, got -1",
		"TaskGroups[0].Tasks[1].Resources.MemoryMB: must be at least 10, got 5",
		`Constraints[0].Operand: unknown operand "~="`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if len(verr.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(verr.Problems), len(want), msg)
	}
}

func TestJobValidateNoGroups(t *testing.T) {
	job := &Job{ID: "x"}
	job.Canonicalize()
	err := job.Validate()
	if err == nil || !strings.Contains(err.Error(), "TaskGroups: at least one task group is required") {
		t.Fatalf("got %v", err)
	}
}

func TestCanonicalizedJobIsValid(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	if err := job.Validate(); err != nil {
		t.Fatal(err)
	}
	if job.Priority != DefaultJobPriority || job.Namespace != DefaultNamespace {
		t.Fatalf("defaults not applied: %+v", job)
	}
}

func TestRelativePathsMayNotEscape(t *testing.T) {
	job := testJob()
	job.Canonicalize()
	job.TaskGroups[0].Tasks[0].Templates = []*Template{{DestPath: "../../etc/passwd", EmbeddedTmpl: "x"}}
	err := job.Validate()
	if err == nil || !strings.Contains(err.Error(), "must not leave the task directory") {
		t.Fatalf("got %v", err)
	}
}
