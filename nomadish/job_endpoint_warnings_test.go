package nomadish

import (
	"strings"
	"testing"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// TestJobWarningsAreTheSameFromValidatePlanAndRegister: validate, plan and
// register answer one job with one list of warnings (validate used to say
// nothing about canaries while register warned).
func TestJobWarningsAreTheSameFromValidatePlanAndRegister(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	job := mockJob("warned")
	// Canaries without a deployment (max_parallel 0) are warned of.
	job.TaskGroups[0].Update = &structs.UpdateStrategy{MaxParallel: 0, Canary: 1}
	job.TaskGroups[0].Tasks[0].Vault = &structs.Vault{Policies: []string{"app"}}
	job.TaskGroups[0].Consul = &structs.Consul{Namespace: "team"}

	var val structs.JobValidateResponse
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{Job: job.Copy()}, &val); err != nil || len(val.ValidationErrors) != 0 {
		t.Fatalf("validate: %v %+v", err, val)
	}
	var plan structs.JobPlanResponse
	if err := s.RPC("Job.Plan", &structs.JobPlanRequest{Job: job.Copy()}, &plan); err != nil {
		t.Fatal(err)
	}
	var reg structs.JobRegisterResponse
	if err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job.Copy()}, &reg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"canary = 1", "task \"app\" > vault: Vault is not available", "group \"web\" > consul: Consul is not available"} {
		if !strings.Contains(val.Warnings, want) {
			t.Errorf("validate warnings lack %q:\n%s", want, val.Warnings)
		}
	}
	if val.Warnings == "" || val.Warnings != reg.Warnings || !strings.Contains(plan.Warnings, val.Warnings) {
		t.Fatalf("warnings differ:\nvalidate %q\nplan     %q\nregister %q", val.Warnings, plan.Warnings, reg.Warnings)
	}
}

// TestJobRegisterRefusesWhatCannotRun: a template that reads Vault secrets
// can never render here; register refuses the job with the warning's
// text, validate accepts it and warns with that same text, and nothing is
// stored.
func TestJobRegisterRefusesWhatCannotRun(t *testing.T) {
	s := testServer(t, nil)
	waitForLeader(t, s)
	job := mockJob("vaulted")
	job.TaskGroups[0].Tasks[0].Templates = []*structs.Template{{DestPath: "secrets/db.env",
		EmbeddedTmpl: `{{ with secret "kv/db" }}PASS={{ .Data.password }}{{ end }}`}}

	var val structs.JobValidateResponse
	if err := s.RPC("Job.Validate", &structs.JobValidateRequest{Job: job.Copy()}, &val); err != nil || len(val.ValidationErrors) != 0 {
		t.Fatalf("validate: %v %+v", err, val)
	}
	want := `group "web" > task "app" > template[0]: Vault is not available in nomadish; the template calls secret`
	if !strings.Contains(val.Warnings, want) || !strings.Contains(val.Warnings, "job run refuses the job") {
		t.Fatalf("validate warnings = %q", val.Warnings)
	}
	var reg structs.JobRegisterResponse
	err := s.RPC("Job.Register", &structs.JobRegisterRequest{Job: job}, &reg)
	if !structs.IsValidationError(err) || !strings.Contains(err.Error(), want) {
		t.Fatalf("register: %v, want a validation error saying %q", err, want)
	}
	if j, _ := s.State().JobByID(nil, "default", "vaulted"); j != nil {
		t.Fatalf("refused job was stored")
	}
}
