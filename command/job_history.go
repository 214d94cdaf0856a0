package command

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// JobHistoryCommand is `nomadish job history`: the stored versions of a
// job and what changed between them.
type JobHistoryCommand struct {
	Meta
}

func (c *JobHistoryCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job history [options] <job>

  Display the stored versions of the job with the given ID (or the only job
  whose ID starts with it), newest first. With -p each version is shown
  with what changed from the one before it, which helps to choose a
  version for "nomadish job revert".

` + generalOptionsUsage() + `

History Options:

  -full
    Print the whole job of each version as JSON. Default = false

  -json
    Print the versions (and with -p the diffs) as JSON, as the HTTP API
    returns them. Default = false

  -p
    Show the difference between each version and the one before it.
    Default = false

  -version=<version>
    Show only the given version. Default = every version
`)
}

func (c *JobHistoryCommand) Synopsis() string { return "Display all tracked versions of a job" }

func (c *JobHistoryCommand) Run(args []string) int {
	var diffs, full, asJSON bool
	version := &optionalUint{}
	f := c.FlagSet("job history")
	f.BoolVar(&diffs, "p", false, "")
	f.BoolVar(&full, "full", false, "")
	f.BoolVar(&asJSON, "json", false, "")
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
	resp, _, err := client.Jobs().Versions(job.ID, diffs, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("reading the versions of job %q", job.ID), err)
		return exitError
	}

	// Diffs[i] is from Versions[i+1] to Versions[i].
	type entry struct {
		job  *api.Job
		diff *api.JobDiff
	}
	var entries []entry
	for i, v := range resp.Versions {
		if version.set && v.Version != version.value {
			continue
		}
		e := entry{job: v}
		if diffs && i < len(resp.Diffs) {
			e.diff = resp.Diffs[i]
		}
		entries = append(entries, e)
	}
	if version.set && len(entries) == 0 {
		c.Ui.Error(fmt.Sprintf("Job %q has no version %d", job.ID, version.value))
		return exitError
	}

	if asJSON {
		if !diffs {
			out := make([]*api.Job, len(entries))
			for i, e := range entries {
				out[i] = e.job
			}
			return c.printJSON(out)
		}
		out := &api.JobVersionsResponse{}
		for _, e := range entries {
			out.Versions = append(out.Versions, e.job)
			if e.diff != nil {
				out.Diffs = append(out.Diffs, e.diff)
			}
		}
		return c.printJSON(out)
	}

	blocks := make([]string, 0, len(entries))
	for _, e := range entries {
		rows := []string{
			fmt.Sprintf("Version|%d", e.job.Version),
			fmt.Sprintf("Stable|%t", e.job.Stable),
			"Submit Date|" + formatUnixNano(e.job.SubmitTime),
		}
		if jobDiffChanged(e.diff) {
			rows = append(rows, "Diff|")
		}
		block := formatKV(rows)
		if jobDiffChanged(e.diff) {
			block += "\n" + formatJobDiff(e.diff, false, nil)
		}
		if full {
			buf, err := json.MarshalIndent(e.job, "", "  ")
			if err != nil {
				c.Ui.Error(fmt.Sprintf("Error encoding JSON: %s", err))
				return exitError
			}
			block += "\nFull Job =\n" + string(buf)
		}
		blocks = append(blocks, block)
	}
	c.Ui.Output(strings.Join(blocks, "\n\n"))
	return exitOK
}
