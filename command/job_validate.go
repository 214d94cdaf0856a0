package command

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// JobValidateCommand is `nomadish job validate`: check a job file without
// running it.
type JobValidateCommand struct {
	Meta
}

func (c *JobValidateCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job validate [options] <path>

  Check the job file at <path> ("-" reads standard input) without running
  it. The file is parsed here first, and every problem is printed with its
  file:line:col. Then the job is sent to the agent's POST /v1/validate/job,
  which applies the server's checks too. When no agent can be reached, the
  local checks still run and the command says the server's were skipped.

  Exit codes: 0 when the job is valid; 1 when it is not, or on errors.

` + generalOptionsUsage() + `

Validate Options:

` + jobFileOptionsUsage() + `
`)
}

func (c *JobValidateCommand) Synopsis() string {
	return "Check a job specification for errors"
}

func (c *JobValidateCommand) Run(args []string) int {
	var jf jobFileFlags
	f := c.FlagSet("job validate")
	jf.register(f)
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, the path of a job file; got %d", len(args)), c.Help())
	}
	job, ok := c.loadJobOrReport(args[0], &jf)
	if !ok {
		return exitError
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	resp, _, err := client.Jobs().Validate(job, nil)
	var ce *api.ConnectionError
	switch {
	case errors.As(err, &ce):
		c.Ui.Output("Job validation successful (local checks only)")
		c.Ui.Warn(fmt.Sprintf("No agent answered at %s, so the server's checks were skipped. Set -address or %s to reach one.", ce.Address, api.EnvAddress))
		return exitOK
	case err != nil:
		c.apiError("validating job", err)
		return exitError
	}
	if resp.Warnings != "" {
		c.Ui.Warn("Job Warnings:\n" + strings.TrimRight(resp.Warnings, "\n") + "\n")
	}
	if len(resp.ValidationErrors) > 0 || resp.Error != "" {
		problems := resp.ValidationErrors
		if len(problems) == 0 {
			problems = []string{resp.Error}
		}
		c.Ui.Error(fmt.Sprintf("Job validation errors (%d):", len(problems)))
		for _, p := range problems {
			c.Ui.Error("  * " + p)
		}
		return exitError
	}
	c.Ui.Output("Job validation successful")
	return exitOK
}
