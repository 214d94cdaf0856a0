package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// JobInspectCommand is `nomadish job inspect`: a registered job as JSON.
type JobInspectCommand struct {
	Meta
}

func (c *JobInspectCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job inspect [options] <job>

  Print the job with the given ID (or the only job whose ID starts with it)
  as JSON, wrapped as {"Job": {...}}: the form PUT /v1/jobs takes, so the
  output can be edited and given back to "nomadish job run -json".

` + generalOptionsUsage() + `

Inspect Options:

  -json
    Print JSON. Accepted for compatibility: the output is always JSON.
    Default = true

  -version=<version>
    Print the given stored version of the job instead of the newest.
    Default = the newest version
`)
}

func (c *JobInspectCommand) Synopsis() string { return "Inspect the contents of a submitted job" }

func (c *JobInspectCommand) Run(args []string) int {
	var asJSON bool
	version := &optionalUint{}
	f := c.FlagSet("job inspect")
	f.BoolVar(&asJSON, "json", true, "")
	f.Var(version, "version", "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, a job ID; got %d", len(args)), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	job, ok := c.resolveJob(client, args[0])
	if !ok {
		return exitError
	}
	if version.set && job.Version != version.value {
		resp, _, err := client.Jobs().Versions(job.ID, false, nil)
		if err != nil {
			c.apiError(fmt.Sprintf("reading the versions of job %q", job.ID), err)
			return exitError
		}
		var found *api.Job
		for _, v := range resp.Versions {
			if v.Version == version.value {
				found = v
			}
		}
		if found == nil {
			c.Ui.Error(fmt.Sprintf("Job %q has no version %d; \"nomadish job history %s\" lists them", job.ID, version.value, job.ID))
			return exitError
		}
		job = found
	}
	return c.printJSON(map[string]*api.Job{"Job": job})
}
