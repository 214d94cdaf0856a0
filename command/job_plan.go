package command

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// Exit codes of job plan.
const (
	exitPlanNoChanges = 0
	exitPlanChanges   = 1
	exitPlanError     = 255
)

// JobPlanCommand is `nomadish job plan`: a dry run of the scheduler for a
// job file, showing what would change.
type JobPlanCommand struct {
	Meta
}

func (c *JobPlanCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job plan [options] <path>

  Show what running the job in the file at <path> ("-" reads standard
  input) would do, without changing anything: the difference from the
  version the cluster runs now, and the scheduler's dry run of the
  placements when one is available.

  The plan prints the job's current modify index. Give it to
  "nomadish job run -check-index" to run the job only if nobody has changed
  it since the plan, so that what was reviewed is what runs.

  Diff lines are marked "+" (added), "-" (removed) or "+/-" (changed), and
  a change that replaces allocations says so, e.g. "(forces create)".

  Exit codes: 0 when nothing would change; 1 when allocations or the job
  would change; 255 on errors, including a job file with problems.

` + generalOptionsUsage() + `

Plan Options:

  -diff
    Show the difference between the job file and the running job.
    Default = true

` + jobFileOptionsUsage() + `

  -verbose
    Show unchanged fields of the diff too, and full IDs. Default = false
`)
}

func (c *JobPlanCommand) Synopsis() string { return "Dry-run a job update to see its effects" }

func (c *JobPlanCommand) Run(args []string) int {
	var diff, verbose bool
	var jf jobFileFlags
	f := c.FlagSet("job plan")
	f.BoolVar(&diff, "diff", true, "")
	f.BoolVar(&verbose, "verbose", false, "")
	jf.register(f)
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		if code != 0 {
			return exitPlanError
		}
		return code
	}
	args = f.Args()
	if len(args) != 1 {
		c.usageError(fmt.Sprintf("This command takes one argument, the path of a job file; got %d", len(args)), c.Help())
		return exitPlanError
	}
	path := args[0]
	job, ok := c.loadJobOrReport(path, &jf)
	if !ok {
		return exitPlanError
	}
	if job.ID == "" {
		c.Ui.Error(fmt.Sprintf("Error: the job in %s has no ID", path))
		return exitPlanError
	}
	client, ok := c.client()
	if !ok {
		return exitPlanError
	}
	resp, _, err := client.Jobs().Plan(job, diff, nil)
	if err != nil {
		c.apiError("during plan", err)
		return exitPlanError
	}

	var updates map[string]*api.DesiredUpdates
	if resp.Annotations != nil {
		updates = resp.Annotations.DesiredTGUpdates
	}
	if diff && resp.Diff != nil {
		c.Ui.Output(formatJobDiff(resp.Diff, verbose, updates) + "\n")
	}
	if dry := c.dryRun(resp, verbose); dry != "" {
		c.Ui.Output(dry + "\n")
	}
	if resp.Warnings != "" {
		c.Ui.Warn("Job Warnings:\n" + strings.TrimRight(resp.Warnings, "\n") + "\n")
	}
	c.Ui.Output(checkIndexHint(resp.JobModifyIndex, path, &jf))
	return planExitCode(resp)
}

// dryRun renders the scheduler's part of the answer, or "" when the server
// sent none (no scheduler ran).
func (c *JobPlanCommand) dryRun(resp *api.JobPlanResponse, verbose bool) string {
	if resp.Annotations == nil && len(resp.FailedTGAllocs) == 0 && resp.NextPeriodicLaunch.IsZero() {
		return ""
	}
	var b strings.Builder
	b.WriteString("Scheduler dry-run:\n")
	switch {
	case len(resp.FailedTGAllocs) > 0:
		b.WriteString("- WARNING: Failed to place all allocations.\n")
		groups := make([]string, 0, len(resp.FailedTGAllocs))
		for g := range resp.FailedTGAllocs {
			groups = append(groups, g)
		}
		sort.Strings(groups)
		for _, g := range groups {
			metric := resp.FailedTGAllocs[g]
			fmt.Fprintf(&b, "  Task Group %q (failed to place %s):\n", g, plural(metric.CoalescedFailures+1, "allocation"))
			for _, line := range describePlacementFailure(metric) {
				b.WriteString("    * " + line + "\n")
			}
		}
	case resp.Annotations != nil:
		b.WriteString("- All tasks successfully allocated.\n")
	}
	if !resp.NextPeriodicLaunch.IsZero() {
		when := resp.NextPeriodicLaunch.Local().Format("2006-01-02T15:04:05Z07:00")
		fmt.Fprintf(&b, "- If submitted now, the next periodic launch would be at %s (%s).\n",
			when, formatTimeAgo(resp.NextPeriodicLaunch.UnixNano(), c.clockNow()))
	}
	return strings.TrimRight(b.String(), "\n")
}

// checkIndexHint tells how to run exactly what was planned: the same
// file with the same -var-file, -var and -json arguments, quoted for a
// POSIX shell so that it can be pasted as it is.
func checkIndexHint(index uint64, path string, jf *jobFileFlags) string {
	args := []string{"nomadish", "job", "run", "-check-index", strconv.FormatUint(index, 10)}
	if jf != nil {
		if jf.json {
			args = append(args, "-json")
		}
		for _, f := range jf.varFiles {
			args = append(args, "-var-file="+shellQuote(f))
		}
		for _, v := range jf.vars {
			args = append(args, "-var", shellQuote(v))
		}
	}
	args = append(args, shellQuote(path))
	return strings.TrimSpace(fmt.Sprintf(`
Job Modify Index: %d
To submit the job with version verification run:

%s

With -check-index the job is registered only if its modify index still
matches the one above. If it has changed, someone else has updated the job
since this plan, and the plan's results may no longer hold.`, index, strings.Join(args, " ")))
}

// shellQuote returns s as one word of a POSIX shell: unchanged when it
// holds only characters no shell treats specially, otherwise in single
// quotes, where a single quote inside closes the quoting, is written
// escaped with a backslash, and opens it again.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// planExitCode is 1 when the plan changes the job or its allocations and
// 0 when it changes nothing.
func planExitCode(resp *api.JobPlanResponse) int {
	if jobDiffChanged(resp.Diff) {
		return exitPlanChanges
	}
	if resp.Annotations != nil {
		for _, u := range resp.Annotations.DesiredTGUpdates {
			if u != nil && u.Place+u.Stop+u.Migrate+u.InPlaceUpdate+u.DestructiveUpdate+u.Canary+u.Preemptions > 0 {
				return exitPlanChanges
			}
		}
	}
	return exitPlanNoChanges
}
