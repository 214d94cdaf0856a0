package structs

import (
	"strings"
	"testing"
	"time"
)

func baseJob(typ string) *Job {
	return &Job{ID: "j", Type: typ, Datacenters: []string{"dc1"}, TaskGroups: []*TaskGroup{
		{Name: "a", Count: 1, Tasks: []*Task{{Name: "t", Driver: "mock"}}},
		{Name: "b", Count: 1, Tasks: []*Task{{Name: "t", Driver: "mock"}},
			ReschedulePolicy: &ReschedulePolicy{Attempts: 9, Interval: time.Minute, Delay: 7 * time.Second, DelayFunction: "constant"},
			Migrate:          &MigrateStrategy{MaxParallel: 4, HealthCheck: "task_states", HealthyDeadline: time.Minute}},
	}}
}

func TestCanonicalize_JobRescheduleAndMigrateInherited(t *testing.T) {
	j := baseJob(JobTypeService)
	j.Reschedule = &ReschedulePolicy{Attempts: 2, Interval: time.Hour, Unlimited: false}
	j.Migrate = &MigrateStrategy{MaxParallel: 3}
	j.Canonicalize()
	a, b := j.TaskGroups[0], j.TaskGroups[1]
	// Group a has neither: the job's, its unset fields from the defaults.
	if r := a.ReschedulePolicy; r.Attempts != 2 || r.Interval != time.Hour || r.Unlimited || r.Delay != 30*time.Second || r.DelayFunction != "exponential" || r.MaxDelay != time.Hour {
		t.Fatalf("group without reschedule got %+v", r)
	}
	if m := a.Migrate; m.MaxParallel != 3 || m.HealthCheck != "checks" || m.HealthyDeadline != 5*time.Minute {
		t.Fatalf("group without migrate got %+v", m)
	}
	// Group b keeps its own.
	if r := b.ReschedulePolicy; r.Attempts != 9 || r.Delay != 7*time.Second {
		t.Fatalf("group with reschedule got %+v", r)
	}
	if m := b.Migrate; m.MaxParallel != 4 || m.HealthCheck != "task_states" {
		t.Fatalf("group with migrate got %+v", m)
	}
	// The job-level blocks are not shared with the groups.
	a.ReschedulePolicy.Attempts = 100
	if j.Reschedule.Attempts != 2 {
		t.Fatal("group's inherited policy aliases the job's")
	}
}

func TestCanonicalize_NoJobLevelBlocksKeepsDefaults(t *testing.T) {
	j := baseJob(JobTypeBatch)
	j.Canonicalize()
	if r := j.TaskGroups[0].ReschedulePolicy; r.Attempts != 1 || r.DelayFunction != "constant" {
		t.Fatalf("batch default reschedule %+v", r)
	}
	if j.TaskGroups[0].Migrate != nil {
		t.Fatal("a batch group got a migrate strategy")
	}
	sys := baseJob(JobTypeSystem)
	sys.Reschedule = &ReschedulePolicy{Attempts: 3}
	sys.Canonicalize()
	if sys.TaskGroups[0].ReschedulePolicy != nil {
		t.Fatal("a system group inherited a reschedule policy; system jobs are not rescheduled")
	}
}

func TestCanonicalize_DisconnectDefaultsAndHelpers(t *testing.T) {
	j := baseJob(JobTypeService)
	j.TaskGroups[0].Disconnect = &DisconnectStrategy{LostAfter: time.Hour}
	old := 2 * time.Hour
	j.TaskGroups[1].MaxClientDisconnect = &old
	j.Canonicalize()
	a, b := j.TaskGroups[0], j.TaskGroups[1]
	if a.Disconnect.Replace == nil || !*a.Disconnect.Replace || a.Disconnect.Reconcile != ReconcileOptionBestScore {
		t.Fatalf("disconnect defaults %+v", a.Disconnect)
	}
	if a.LostAfter() != time.Hour || b.LostAfter() != 2*time.Hour || !b.ReplaceDisconnected() || b.ReconcileOnReconnect() != ReconcileOptionBestScore {
		t.Fatalf("LostAfter %s / %s", a.LostAfter(), b.LostAfter())
	}
	if (&TaskGroup{}).LostAfter() != 0 {
		t.Fatal("a group without disconnect has a lost_after")
	}
}

func validationMessages(t *testing.T, j *Job) string {
	t.Helper()
	j.Canonicalize()
	err := j.Validate()
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestValidate_DisconnectConflicts(t *testing.T) {
	stop := time.Minute
	old := time.Hour
	cases := []struct {
		name string
		set  func(tg *TaskGroup)
		want string
	}{
		{"lost_after with stop_on_client_after", func(tg *TaskGroup) {
			tg.Disconnect = &DisconnectStrategy{LostAfter: time.Hour, StopOnClientAfter: &stop}
		}, "lost_after and stop_on_client_after cannot both be set"},
		{"block with max_client_disconnect", func(tg *TaskGroup) {
			tg.Disconnect = &DisconnectStrategy{LostAfter: time.Hour}
			tg.MaxClientDisconnect = &old
		}, `write disconnect { lost_after = "1h0m0s" } instead`},
		{"unknown reconcile", func(tg *TaskGroup) {
			tg.Disconnect = &DisconnectStrategy{LostAfter: time.Hour, Reconcile: "newest"}
		}, `unknown reconcile "newest"; accepted: "best_score", "keep_original", "keep_replacement", "longest_running"`},
		{"negative", func(tg *TaskGroup) { tg.Disconnect = &DisconnectStrategy{LostAfter: -time.Second} }, "lost_after must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := baseJob(JobTypeService)
			c.set(j.TaskGroups[0])
			if got := validationMessages(t, j); !strings.Contains(got, c.want) {
				t.Fatalf("validation: %s\nwant it to contain %q", got, c.want)
			}
		})
	}
	j := baseJob(JobTypeService)
	j.TaskGroups[0].Disconnect = &DisconnectStrategy{LostAfter: time.Hour, Reconcile: ReconcileOptionKeepOriginal}
	if got := validationMessages(t, j); got != "" {
		t.Fatalf("valid disconnect block refused: %s", got)
	}
}

func TestValidate_ScalingBounds(t *testing.T) {
	min := func(v int64) *int64 { return &v }
	cases := []struct {
		name    string
		typ     string
		count   int
		scaling *ScalingPolicy
		want    string
	}{
		{"within", JobTypeService, 3, &ScalingPolicy{Min: min(1), Max: 5}, ""},
		{"above max", JobTypeService, 12, &ScalingPolicy{Min: min(1), Max: 10}, "count 12 is above scaling.max 10"},
		{"below min", JobTypeService, 1, &ScalingPolicy{Min: min(2), Max: 10}, "count 1 is below scaling.min 2"},
		{"min above max", JobTypeService, 3, &ScalingPolicy{Min: min(4), Max: 3}, "scaling.min 4 is above scaling.max 3"},
		{"disabled still bounded", JobTypeService, 12, &ScalingPolicy{Max: 10, Enabled: false}, "count 12 is above scaling.max 10"},
		{"system job", JobTypeSystem, 1, &ScalingPolicy{Max: 1}, "not allowed in a system job"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := baseJob(c.typ)
			j.TaskGroups = j.TaskGroups[:1]
			j.TaskGroups[0].Count = c.count
			j.TaskGroups[0].Scaling = c.scaling
			got := validationMessages(t, j)
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Fatalf("validation: %q, want %q", got, c.want)
			}
		})
	}
}

func TestCanonicalize_ScalingPolicyIDStableAndMinDefault(t *testing.T) {
	j := baseJob(JobTypeService)
	j.TaskGroups[0].Count = 3
	j.TaskGroups[0].Scaling = &ScalingPolicy{Max: 10, Policy: map[string]interface{}{"cooldown": "1m"}}
	j.Canonicalize()
	s := j.TaskGroups[0].Scaling
	if s.Min == nil || *s.Min != 3 || s.Type != ScalingPolicyTypeHorizontal || s.Target[ScalingTargetGroup] != "a" || s.Target[ScalingTargetJob] != "j" {
		t.Fatalf("canonical scaling policy %+v", s)
	}
	again := baseJob(JobTypeService)
	again.TaskGroups[0].Scaling = &ScalingPolicy{Max: 20}
	again.Canonicalize()
	if again.TaskGroups[0].Scaling.ID != s.ID || len(s.ID) != 36 {
		t.Fatalf("policy ID %q changed to %q in another version", s.ID, again.TaskGroups[0].Scaling.ID)
	}
	if ScalingPolicyID("default", "j", "b") == s.ID {
		t.Fatal("two groups share a policy ID")
	}
}

func TestValidate_CronAndCronsBothSet(t *testing.T) {
	j := baseJob(JobTypeBatch)
	j.Periodic = &PeriodicConfig{Enabled: true, Spec: "@hourly", Specs: []string{"@daily"}}
	if got := validationMessages(t, j); !strings.Contains(got, `cron = "@hourly" and crons = [...] are both set`) {
		t.Fatalf("validation: %s", got)
	}
	j = baseJob(JobTypeBatch)
	j.Periodic = &PeriodicConfig{Enabled: true, Specs: []string{"@daily", "30 6 * * *"}}
	if got := validationMessages(t, j); got != "" {
		t.Fatalf("crons alone refused: %s", got)
	}
	// The earliest of the schedules: 06:30 comes before midnight.
	from := time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)
	next, err := j.Periodic.Next(from)
	if err != nil || !next.Equal(time.Date(2025, 3, 1, 6, 30, 0, 0, time.UTC)) {
		t.Fatalf("next launch %s, %v", next, err)
	}
}
