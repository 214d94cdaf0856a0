package command

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// JobStatusCommand is `nomadish job status`: all jobs, or one job in detail.
type JobStatusCommand struct {
	Meta

	// name is how the command was invoked, for messages ("job status" or
	// "status").
	name string
}

func (c *JobStatusCommand) commandName() string {
	if c.name == "" {
		return "job status"
	}
	return c.name
}

func (c *JobStatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish job status [options] [<job>]

  Display the status of jobs. With no argument, list every job in the
  namespace. With a job ID, or a unique prefix of one, show that job: its
  settings, a summary of its allocations per task group, why the
  scheduler could not place some of them (when it could not), its latest
  deployment, and its allocations.

` + generalOptionsUsage() + `

Status Options:

  -evals
    Also list the job's evaluations, newest first. Default = false

  -json
    Print the job (or the job list) as JSON, as the HTTP API returns it.
    Default = false

  -verbose
    Show full IDs and absolute times. Default = false
`)
}

func (c *JobStatusCommand) Synopsis() string { return "Display the status of jobs" }

func (c *JobStatusCommand) Run(args []string) int {
	return c.runWithHelp(args, c.Help())
}

// runWithHelp runs the command, printing help on usage errors; `status`
// shares it with its own help.
func (c *JobStatusCommand) runWithHelp(args []string, help string) int {
	var asJSON, verbose, showEvals bool
	f := c.FlagSet(c.commandName())
	f.BoolVar(&asJSON, "json", false, "")
	f.BoolVar(&showEvals, "evals", false, "")
	f.BoolVar(&verbose, "verbose", false, "")
	if code, ok := c.parseFlags(f, args, help); !ok {
		return code
	}
	args = f.Args()
	if len(args) > 1 {
		return c.usageError(fmt.Sprintf("This command takes at most one argument, a job ID; got %d: %s", len(args), strings.Join(args, " ")), help)
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	if len(args) == 0 {
		return c.listJobs(client, asJSON)
	}
	return c.showJob(client, args[0], asJSON, verbose, showEvals)
}

func (c *JobStatusCommand) listJobs(client *api.Client, asJSON bool) int {
	jobs, _, err := client.Jobs().List(nil)
	if err != nil {
		c.apiError("querying jobs", err)
		return exitError
	}
	if asJSON {
		return c.printJSON(jobs)
	}
	if len(jobs) == 0 {
		c.Ui.Output("No running jobs")
		return exitOK
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].ID < jobs[j].ID })
	rows := []string{"ID|Type|Priority|Status|Submit Date"}
	for _, j := range jobs {
		rows = append(rows, fmt.Sprintf("%s|%s|%d|%s|%s",
			j.ID, jobTypeLabel(j.Type, j.Periodic, j.ParameterizedJob), j.Priority, jobStatusLabel(j.Status, j.Stop), formatUnixNano(j.SubmitTime)))
	}
	c.Ui.Output(formatList(rows))
	return exitOK
}

func (c *JobStatusCommand) showJob(client *api.Client, id string, asJSON, verbose, showEvals bool) int {
	job, _, err := lookupJob(client, id)
	if err != nil {
		var nje *noJobError
		var aje *ambiguousJobError
		switch {
		case errors.As(err, &nje), errors.As(err, &aje):
			c.Ui.Error(err.Error())
		default:
			c.apiError(fmt.Sprintf("querying job %q", id), err)
		}
		return exitError
	}
	if asJSON {
		return c.printJSON(job)
	}

	datacenters := strings.Join(job.Datacenters, ",")
	if datacenters == "" {
		datacenters = "<none>"
	}
	header := []string{
		"ID|" + job.ID,
		"Name|" + job.Name,
		"Submit Date|" + formatUnixNano(job.SubmitTime),
		"Type|" + job.Type,
		fmt.Sprintf("Priority|%d", job.Priority),
		"Datacenters|" + datacenters,
		"Namespace|" + job.Namespace,
	}
	if job.NodePool != "" {
		header = append(header, "Node Pool|"+job.NodePool)
	}
	header = append(header,
		"Status|"+jobStatusLabel(job.Status, job.Stop),
		fmt.Sprintf("Periodic|%t", job.IsPeriodic()),
		fmt.Sprintf("Parameterized|%t", job.IsParameterized()),
	)
	if job.IsPeriodic() && !job.Stop {
		header = append(header, periodicLaunchLineNow(job.Periodic)) // job_status_periodic.go
	}
	c.Ui.Output(formatKV(header))

	summary, _, err := client.Jobs().Summary(job.ID, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("querying summary of job %q", job.ID), err)
		return exitError
	}
	c.Ui.Output("\n" + c.formatSummary(job, summary))

	evals := c.jobEvaluations(client, job.ID) // job_status_evals.go
	if showEvals {
		c.Ui.Output("\n" + formatJobEvaluations(evals, verbose))
	}
	if section := formatJobPlacementFailures(evals, verbose); section != "" {
		c.Ui.Output("\n" + section)
	}

	if !job.IsPeriodic() && !job.IsParameterized() {
		if d := c.latestDeployment(client, job.ID); d != nil {
			c.Ui.Output("\n" + formatDeployment(d, verbose))
		}
		if section := c.formatMultiregion(client, job, verbose); section != "" {
			c.Ui.Output("\n" + section)
		}
	}

	allocs, _, err := client.Jobs().Allocations(job.ID, nil)
	if err != nil {
		c.apiError(fmt.Sprintf("querying allocations of job %q", job.ID), err)
		return exitError
	}
	c.Ui.Output("\n" + c.formatAllocations(allocs, verbose))
	return exitOK
}

func (c *JobStatusCommand) formatSummary(job *api.Job, summary *api.JobSummary) string {
	var b strings.Builder
	if (job.IsPeriodic() || job.IsParameterized()) && summary.Children != nil {
		ch := summary.Children
		b.WriteString("Children Job Summary\n")
		b.WriteString(formatList([]string{"Pending|Running|Dead", fmt.Sprintf("%d|%d|%d", ch.Pending, ch.Running, ch.Dead)}))
		b.WriteString("\n\n")
	}
	b.WriteString("Summary\n")
	groups := make([]string, 0, len(summary.Summary))
	for g := range summary.Summary {
		groups = append(groups, g)
	}
	if len(groups) == 0 {
		b.WriteString("No task groups")
		return b.String()
	}
	sort.Strings(groups)
	rows := []string{"Task Group|Queued|Starting|Running|Failed|Complete|Lost|Unknown"}
	for _, g := range groups {
		s := summary.Summary[g]
		rows = append(rows, fmt.Sprintf("%s|%d|%d|%d|%d|%d|%d|%d", g, s.Queued, s.Starting, s.Running, s.Failed, s.Complete, s.Lost, s.Unknown))
	}
	b.WriteString(formatList(rows))
	return b.String()
}

func (c *JobStatusCommand) formatAllocations(allocs []*api.AllocationListStub, verbose bool) string {
	if len(allocs) == 0 {
		return "Allocations\nNo allocations placed"
	}
	sort.Slice(allocs, func(i, j int) bool {
		if allocs[i].CreateIndex != allocs[j].CreateIndex {
			return allocs[i].CreateIndex > allocs[j].CreateIndex
		}
		return allocs[i].ID < allocs[j].ID
	})
	now := c.clockNow()
	when := func(ns int64) string {
		if verbose {
			return formatUnixNano(ns)
		}
		return formatTimeAgo(ns, now)
	}
	rows := []string{"ID|Node ID|Task Group|Version|Desired|Status|Created|Modified"}
	for _, a := range allocs {
		rows = append(rows, fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s|%s",
			shortID(a.ID, verbose), shortID(a.NodeID, verbose), a.TaskGroup, a.JobVersion,
			a.DesiredStatus, a.ClientStatus, when(a.CreateTime), when(a.ModifyTime)))
	}
	return "Allocations\n" + formatList(rows)
}

// jobTypeLabel is the job type with "/periodic" or "/parameterized" added.
func jobTypeLabel(typ string, periodic, parameterized bool) string {
	switch {
	case periodic:
		return typ + "/periodic"
	case parameterized:
		return typ + "/parameterized"
	}
	return typ
}

// jobStatusLabel marks a stopped job that is still draining.
func jobStatusLabel(status string, stop bool) string {
	if stop && status != "dead" {
		return status + " (stopping)"
	}
	if stop {
		return "dead (stopped)"
	}
	return status
}

// formatMultiregion is the "Multiregion Deployment" table of a
// multiregion job: each region's newest deployment of the job, asked of
// that region; "" for any other job.
func (c *JobStatusCommand) formatMultiregion(client *api.Client, job *api.Job, verbose bool) string {
	if job.Multiregion == nil || len(job.Multiregion.Regions) == 0 {
		return ""
	}
	rows := []string{"Region|ID|Status|Description"}
	for _, r := range job.Multiregion.Regions {
		if r == nil {
			continue
		}
		d, _, err := client.Jobs().LatestDeployment(job.ID, &api.QueryOptions{Region: r.Name})
		switch {
		case err != nil && !api.IsNotFound(err):
			rows = append(rows, fmt.Sprintf("%s|-|unknown|%s", r.Name, strings.ReplaceAll(err.Error(), "|", "/")))
		case d == nil:
			rows = append(rows, r.Name+"|-|-|no deployment yet")
		default:
			rows = append(rows, fmt.Sprintf("%s|%s|%s|%s", r.Name, shortID(d.ID, verbose), d.Status, d.StatusDescription))
		}
	}
	return "Multiregion Deployment\n" + formatList(rows)
}

// latestDeployment reads the job's newest deployment; nil when it has none
// or the agent cannot say (older agents answer 404), which only leaves the
// section out.
func (c *JobStatusCommand) latestDeployment(client *api.Client, jobID string) *api.Deployment {
	d, _, err := client.Jobs().LatestDeployment(jobID, nil)
	switch {
	case err == nil:
		return d
	case api.IsNotFound(err):
		return nil
	default:
		c.Ui.Warn(fmt.Sprintf("Could not read the latest deployment of job %q: %s", jobID, err))
		return nil
	}
}

// formatDeployment renders a deployment's status and per-group progress.
func formatDeployment(d *api.Deployment, verbose bool) string {
	var b strings.Builder
	b.WriteString("Latest Deployment\n")
	b.WriteString(formatKV([]string{
		"ID|" + shortID(d.ID, verbose),
		"Status|" + d.Status,
		"Description|" + d.StatusDescription,
	}))
	if groups := formatDeploymentGroups(d); groups != "" {
		b.WriteString("\n\n" + groups)
	}
	return b.String()
}

// formatDeploymentGroups renders the "Deployed" table of a deployment's
// per-group progress, with canary columns when any group has canaries;
// "" when it has no groups. job status and deployment status share it.
func formatDeploymentGroups(d *api.Deployment) string {
	if len(d.TaskGroups) == 0 {
		return ""
	}
	groups := make([]string, 0, len(d.TaskGroups))
	canaries := false
	for g, st := range d.TaskGroups {
		groups = append(groups, g)
		canaries = canaries || st.DesiredCanaries > 0
	}
	sort.Strings(groups)
	header := "Task Group|Desired|Placed|Healthy|Unhealthy"
	if canaries {
		header = "Task Group|Promoted|Desired|Canaries|Placed|Healthy|Unhealthy"
	}
	rows := []string{header}
	for _, g := range groups {
		st := d.TaskGroups[g]
		if canaries {
			rows = append(rows, fmt.Sprintf("%s|%t|%d|%d|%d|%d|%d", g, st.Promoted, st.DesiredTotal, st.DesiredCanaries, st.PlacedAllocs, st.HealthyAllocs, st.UnhealthyAllocs))
		} else {
			rows = append(rows, fmt.Sprintf("%s|%d|%d|%d|%d", g, st.DesiredTotal, st.PlacedAllocs, st.HealthyAllocs, st.UnhealthyAllocs))
		}
	}
	return "Deployed\n" + formatList(rows)
}
