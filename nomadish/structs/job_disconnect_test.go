package structs

import (
	"reflect"
	"testing"
	"time"
)

// jobWithNewBlocks is a job that sets every field of the disconnect,
// scaling, inherited policy, sticky volume and check_restart blocks.
func jobWithNewBlocks() *Job {
	lost := 2 * time.Hour
	stop := time.Minute
	yes := true
	min := int64(1)
	return &Job{
		ID: "web", Type: JobTypeService,
		Periodic:   &PeriodicConfig{Enabled: true, Specs: []string{"@hourly", "*/5 * * * *"}},
		Reschedule: &ReschedulePolicy{Attempts: 3, Interval: time.Hour},
		Migrate:    &MigrateStrategy{MaxParallel: 2},
		TaskGroups: []*TaskGroup{{
			Name: "web", Count: 2,
			Disconnect:                &DisconnectStrategy{LostAfter: time.Hour, Replace: &yes, Reconcile: ReconcileOptionBestScore, StopOnClientAfter: &stop},
			MaxClientDisconnect:       &lost,
			StopAfterClientDisconnect: &stop,
			PreventRescheduleOnLost:   true,
			Scaling: &ScalingPolicy{ID: "p1", Min: &min, Max: 10, Enabled: true,
				Target: map[string]string{"Group": "web"},
				Policy: map[string]interface{}{"cooldown": "1m", "check": map[string]interface{}{"q": "x"}}},
			Volumes: map[string]*VolumeRequest{"data": {Name: "data", Type: VolumeTypeHost, Source: "data", Sticky: true}},
			Services: []*Service{{Name: "web", CheckRestart: &CheckRestart{Limit: 3, Grace: time.Second},
				Checks: []*ServiceCheck{{Name: "c", CheckRestart: &CheckRestart{Limit: 1, IgnoreWarnings: true}}}}},
			Tasks: []*Task{{Name: "t", Driver: "mock"}},
		}},
	}
}

func TestCopyDeepCopiesNewBlocks(t *testing.T) {
	orig := jobWithNewBlocks()
	want := jobWithNewBlocks()
	c := orig.Copy()
	if !reflect.DeepEqual(c.TaskGroups[0].Disconnect, orig.TaskGroups[0].Disconnect) ||
		!reflect.DeepEqual(c.TaskGroups[0].Scaling.Min, orig.TaskGroups[0].Scaling.Min) ||
		!reflect.DeepEqual(c.Periodic.Specs, orig.Periodic.Specs) ||
		!c.TaskGroups[0].Volumes["data"].Sticky || c.Reschedule.Attempts != 3 || c.Migrate.MaxParallel != 2 ||
		c.TaskGroups[0].Services[0].Checks[0].CheckRestart.Limit != 1 {
		t.Fatalf("copy lost a field: %+v", c.TaskGroups[0])
	}
	g := c.TaskGroups[0]
	*g.Disconnect.Replace = false
	*g.Disconnect.StopOnClientAfter = 0
	*g.MaxClientDisconnect = 0
	*g.Scaling.Min = 7
	g.Scaling.Policy["cooldown"] = "2m"
	g.Scaling.Policy["check"].(map[string]interface{})["q"] = "y"
	g.Services[0].CheckRestart.Limit = 9
	g.Volumes["data"].Sticky = false
	c.Periodic.Specs[0] = "@daily"
	c.Reschedule.Attempts = 0
	c.Migrate.MaxParallel = 0
	if !reflect.DeepEqual(orig, want) {
		t.Fatal("mutating the copy changed the original")
	}
}

func TestNewBlocksSurviveEncoding(t *testing.T) {
	in := &JobRegisterRequest{Job: jobWithNewBlocks()}
	buf, err := Encode(JobRegisterRequestType, in)
	if err != nil {
		t.Fatal(err)
	}
	var out JobRegisterRequest
	if err := Decode(buf[1:], &out); err != nil {
		t.Fatal(err)
	}
	g := out.Job.TaskGroups[0]
	if g.Disconnect == nil || g.Disconnect.LostAfter != time.Hour || g.Disconnect.Reconcile != ReconcileOptionBestScore ||
		g.Scaling == nil || g.Scaling.Max != 10 || *g.Scaling.Min != 1 || g.Scaling.Policy["cooldown"] != "1m" ||
		!g.Volumes["data"].Sticky || !g.PreventRescheduleOnLost || out.Job.Reschedule == nil || out.Job.Migrate == nil ||
		len(out.Job.Periodic.Specs) != 2 {
		t.Fatalf("round trip lost a field: %+v", g)
	}
}
