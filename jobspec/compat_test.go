package jobspec

import (
	"strings"
	"testing"
)

func parseString(t *testing.T, src string) (*Result, error) {
	t.Helper()
	return Parse(&ParseConfig{Path: "job.hcl", Body: []byte(src)})
}

// crons, the list current Nomad writes, is accepted beside the older
// cron, never "corrected" into it; giving both is the one mistake.
func TestPeriodicCrons(t *testing.T) {
	const job = `job "p" {
  type = "batch"
  periodic {
    %s
  }
  group "g" {
    task "t" {
      driver = "docker"
    }
  }
}`
	res, err := parseString(t, strings.Replace(job, "%s", `crons = ["@daily", "*/5 * * * *"]`, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Job.Periodic.Specs; len(got) != 2 || got[0] != "@daily" || res.Job.Periodic.Spec != "" {
		t.Fatalf("Specs = %v, Spec = %q", got, res.Job.Periodic.Spec)
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("warnings: %v", res.Warnings)
	}
	_, err = parseString(t, strings.Replace(job, "%s", "cron = \"@daily\"\n    crons = [\"@hourly\"]", 1))
	if err == nil || !strings.Contains(err.Error(), "Give either crons") {
		t.Fatalf("cron and crons: %v", err)
	}
	if strings.Contains(err.Error(), `Did you mean "cron"`) {
		t.Fatalf("suggests cron for crons: %v", err)
	}
}

// A task written directly in the job runs in a group of its name, and a
// job-level vault block reaches every task without its own.
func TestTaskUnderJobAndInheritedVault(t *testing.T) {
	res, err := parseString(t, `job "j" {
  vault {
    role = "r"
  }
  task "solo" {
    driver = "docker"
  }
  group "g" {
    task "own" {
      driver = "docker"
      vault {
        role = "mine"
      }
    }
  }
}`)
	if err != nil {
		t.Fatal(err)
	}
	var solo, own = res.Job.TaskGroups[1], res.Job.TaskGroups[0].Tasks[0]
	if solo.Name != "solo" || solo.Count != 1 || len(solo.Tasks) != 1 || solo.Tasks[0].Name != "solo" {
		t.Fatalf("wrapped group = %+v", solo)
	}
	if solo.Tasks[0].Vault == nil || solo.Tasks[0].Vault.Role != "r" || !solo.Tasks[0].Vault.Env {
		t.Fatalf("solo vault = %+v", solo.Tasks[0].Vault)
	}
	if own.Vault.Role != "mine" {
		t.Fatalf("own vault = %+v", own.Vault)
	}
	_, err = parseString(t, `job "j" {
  task "x" {
    driver = "docker"
  }
  group "x" {
    task "y" {
      driver = "docker"
    }
  }
}`)
	if err == nil || !strings.Contains(err.Error(), "Duplicate group") {
		t.Fatalf("a task named like a group: %v", err)
	}
}

// Labelled blocks inside free-form data keep their labels, as Nomad's
// JSON carries a scaling policy's checks.
func TestFreeFormLabelledBlocks(t *testing.T) {
	res, err := parseString(t, `job "j" {
  group "g" {
    scaling {
      max = 3
      policy {
        check "cpu" {
          query = "q"
        }
      }
    }
    task "t" {
      driver = "docker"
    }
  }
}`)
	if err != nil {
		t.Fatal(err)
	}
	checks, _ := res.Job.TaskGroups[0].Scaling.Policy["check"].([]interface{})
	byName, _ := checks[0].(map[string]interface{})
	inner, _ := byName["cpu"].([]interface{})
	if len(inner) != 1 || inner[0].(map[string]interface{})["query"] != "q" {
		t.Fatalf("policy = %#v", res.Job.TaskGroups[0].Scaling.Policy)
	}
}
