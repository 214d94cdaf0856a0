package command

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Default file names job init writes.
const (
	defaultInitName     = "example.nomad.hcl"
	defaultInitNameJSON = "example.nomad.json"
)

// JobInitCommand is `nomadish job init`: write an example job file.
type JobInitCommand struct {
	Meta
}

func (c *JobInitCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job init [options] [<path>]

  Write an example job file to <path>, by default "` + defaultInitName + `"
  in the current directory ("` + defaultInitNameJSON + `" with -json). The
  example runs as it is on a fresh "nomadish agent -dev": its task uses the
  built-in mock driver, which pretends to run for a while. An existing file
  is never overwritten.

  Then try:

      $ nomadish job plan ` + defaultInitName + `
      $ nomadish job run ` + defaultInitName + `

Init Options:

  -json
    Write the example as a JSON job ({"Job": {...}}) instead of HCL.
    Default = false

  -short
    Write a minimal example without the explanatory comments.
    Default = false
`)
}

func (c *JobInitCommand) Synopsis() string { return "Create an example job file" }

func (c *JobInitCommand) Run(args []string) int {
	var short, asJSON bool
	f := c.FlagSet("job init")
	f.BoolVar(&short, "short", false, "")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) > 1 {
		return c.usageError(fmt.Sprintf("This command takes at most one argument, a file name; got %d", len(args)), c.Help())
	}
	path, content := defaultInitName, exampleJobHCL
	switch {
	case asJSON:
		path, content = defaultInitNameJSON, exampleJobJSON
	case short:
		content = exampleJobShortHCL
	}
	if len(args) == 1 {
		path = args[0]
	}

	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		c.Ui.Error(fmt.Sprintf("Job file %q already exists; remove it or give another file name", path))
		return exitError
	}
	if err != nil {
		c.Ui.Error(fmt.Sprintf("Error writing the example job: %s", err))
		return exitError
	}
	_, err = fh.WriteString(content)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		c.Ui.Error(fmt.Sprintf("Error writing the example job to %q: %s", path, err))
		return exitError
	}
	c.Ui.Output(fmt.Sprintf("Example job file written to %s", path))
	return exitOK
}

// exampleJobShortHCL is the example without comments.
const exampleJobShortHCL = `job "example" {
  type        = "service"
  datacenters = ["*"]

  group "web" {
    count = 1

    network {
      port "http" {}
    }

    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "server" {
      driver = "mock"

      config {
        run_for = "10m"
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
`

// exampleJobHCL is the commented example.
const exampleJobHCL = `# An example job, written by "nomadish job init". It runs as it is on a
# fresh "nomadish agent -dev". Plan it, run it, then look at it:
#
#     nomadish job plan example.nomad.hcl
#     nomadish job run example.nomad.hcl
#     nomadish job status example
#
# A job file declares what to run; nomadish decides where and keeps it
# running. The job's name is its ID in the cluster.

# Input variables are declared here, at the top level of the file and
# outside the job block, and set with -var, -var-file or
# NOMADISH_VAR_<name>, e.g. "nomadish job run -var run_for=1h ...". To
# try one, uncomment this block and write run_for = var.run_for in the
# task's config below.
# variable "run_for" {
#   type    = string
#   default = "10m"
# }

job "example" {
  # A "service" job runs until stopped and is restarted when it fails.
  # Others: "batch" (runs to completion), "system" and "sysbatch" (one
  # copy on every eligible node).
  type = "service"

  # The datacenters the job may be placed in; "*" means any.
  datacenters = ["*"]

  # update says how a new version replaces the running one.
  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "3m"
    auto_revert      = false
  }

  # A group is a set of tasks placed together on one node; count is how
  # many copies of it run.
  group "web" {
    count = 1

    # A dynamic port, chosen by the client; tasks see it as
    # NOMAD_PORT_http.
    network {
      port "http" {}
    }

    # How a failing task is restarted in place before the allocation is
    # rescheduled elsewhere.
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    # A task is one process run by a driver. The mock driver pretends to
    # run for run_for and then exits with exit_code; swap in "wasm",
    # "oci" or "docker" to run real work.
    task "server" {
      driver = "mock"

      config {
        run_for = "10m"
      }

      # What the task needs: cpu in MHz, memory in MB.
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
`

// exampleJobJSON is the short example as a JSON job.
const exampleJobJSON = `{
  "Job": {
    "ID": "example",
    "Name": "example",
    "Type": "service",
    "Datacenters": ["*"],
    "TaskGroups": [
      {
        "Name": "web",
        "Count": 1,
        "Networks": [
          {"DynamicPorts": [{"Label": "http"}]}
        ],
        "RestartPolicy": {
          "Attempts": 2,
          "Interval": 1800000000000,
          "Delay": 15000000000,
          "Mode": "fail"
        },
        "Tasks": [
          {
            "Name": "server",
            "Driver": "mock",
            "Config": {"run_for": "10m"},
            "Resources": {"CPU": 100, "MemoryMB": 64}
          }
        ]
      }
    ]
  }
}
`
