package command

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/api"
)

// AllocStatusCommand is `nomadish alloc status`: one allocation, its
// tasks' states and their recent events.
type AllocStatusCommand struct {
	Meta
}

// recentEvents is how many events per task alloc status shows without
// -verbose.
const recentEvents = 10

func (c *AllocStatusCommand) Help() string {
	return strings.TrimSpace(`
Usage: nomadish alloc status [options] <allocation>

  Display an allocation: its job, group, node and statuses, then for each
  task its state, restarts and most recent events (newest first).
  <allocation> is an allocation ID or a prefix of one that matches a
  single allocation.

` + generalOptionsUsage() + `

Alloc Status Options:

  -short
    Show only the most recent event of each task.

  -stats
    Show each task's latest memory and CPU use, read from the client
    running the allocation.

  -verbose
    Show full IDs, exact times and every task event instead of the last
    ` + fmt.Sprint(recentEvents) + `.

  -json
    Print the allocation as JSON.
`)
}

func (c *AllocStatusCommand) Synopsis() string { return "Display allocation status information" }

func (c *AllocStatusCommand) Run(args []string) int {
	var verbose, asJSON, short, stats bool
	f := c.FlagSet("alloc status")
	f.BoolVar(&verbose, "verbose", false, "")
	f.BoolVar(&short, "short", false, "")
	f.BoolVar(&stats, "stats", false, "")
	f.BoolVar(&asJSON, "json", false, "")
	if code, ok := c.parseFlags(f, args, c.Help()); !ok {
		return code
	}
	if len(f.Args()) != 1 {
		return c.usageError(fmt.Sprintf("This command takes one argument, an allocation ID or prefix; got %d", len(f.Args())), c.Help())
	}
	client, ok := c.client()
	if !ok {
		return exitError
	}
	alloc, ok := c.resolveAlloc(client, f.Args()[0])
	if !ok {
		return exitError
	}
	if asJSON {
		return c.printJSON(alloc)
	}
	var usage *api.AllocResourceUsage
	if stats {
		var err error
		if usage, err = client.Allocations().Stats(alloc, nil); err != nil {
			c.apiError(fmt.Sprintf("reading the resource use of allocation %s", shortID(alloc.ID, false)), err)
			return exitError
		}
	}
	view := allocView{verbose: verbose, short: short, usage: usage}
	if allocHasNomadChecks(alloc) {
		// A client that cannot be reached does not hide the rest: the
		// section says why it is missing (alloc_status_checks.go).
		view.checks, view.checksErr = client.Allocations().Checks(alloc.ID, nil)
	}
	c.Ui.Output(formatAlloc(alloc, view, c.clockNow()))
	return exitOK
}

// allocView says how much of an allocation alloc status shows.
type allocView struct {
	verbose, short bool
	usage          *api.AllocResourceUsage // nil without -stats
	// checks are the results of the allocation's checks, read when its
	// group has any; checksErr is why they could not be read.
	checks    api.AllocCheckStatuses
	checksErr error
}

// formatAlloc renders an allocation for alloc status.
func formatAlloc(a *api.Allocation, view allocView, now time.Time) string {
	verbose := view.verbose
	when := func(ns int64) string {
		if verbose {
			return formatUnixNano(ns)
		}
		return formatTimeAgo(ns, now)
	}
	rows := []string{
		"ID|" + a.ID,
		"Eval ID|" + shortID(a.EvalID, verbose),
		"Name|" + a.Name,
		"Node ID|" + shortID(a.NodeID, verbose),
		"Node Name|" + orNone(a.NodeName),
		"Job ID|" + a.JobID,
		"Job Version|" + fmt.Sprint(a.JobVersion),
		"Task Group|" + a.TaskGroup,
		"Client Status|" + a.ClientStatus,
		"Client Description|" + orNone(a.ClientDescription),
		"Desired Status|" + a.DesiredStatus,
		"Desired Description|" + orNone(a.DesiredDescription),
		"Created|" + when(a.CreateTime),
		"Modified|" + when(a.ModifyTime),
	}
	if m := a.DesiredTransition.Migrate; m != nil && *m {
		rows = append(rows, "Desired Transition|migrate")
	}
	if a.NextAllocation != "" {
		rows = append(rows, "Replacement Alloc ID|"+shortID(a.NextAllocation, verbose))
	}
	if a.PreviousAllocation != "" {
		rows = append(rows, "Previous Alloc ID|"+shortID(a.PreviousAllocation, verbose))
	}
	var b strings.Builder
	b.WriteString(formatKV(rows))
	b.WriteString(formatAllocChecks(view)) // alloc_status_checks.go

	tasks := allocTasks(a)
	if len(a.TaskStates) == 0 {
		b.WriteString("\n\nNo task states reported yet by the client")
		return b.String()
	}
	for _, name := range tasks {
		st := a.TaskStates[name]
		if st == nil {
			fmt.Fprintf(&b, "\n\nTask %q has not reported a state yet", name)
			continue
		}
		fmt.Fprintf(&b, "\n\nTask %q is %q\n", name, st.State)
		if view.usage != nil {
			b.WriteString("Task Resources:\n")
			b.WriteString(formatTaskUsage(view.usage.Tasks[name]))
			b.WriteString("\n\n")
		}
		if view.short {
			b.WriteString("Recent Events:\n")
			b.WriteString(formatTaskEvents(st.Events, 1))
			continue
		}
		b.WriteString("Task Events:\n")
		b.WriteString(formatKV([]string{
			"Started At|" + formatTaskTime(st.StartedAt),
			"Finished At|" + formatTaskTime(st.FinishedAt),
			"Total Restarts|" + fmt.Sprint(st.Restarts),
			"Last Restart|" + formatTaskTime(st.LastRestart),
		}))
		b.WriteString("\n\nRecent Events:\n")
		limit := recentEvents
		if verbose {
			limit = 0
		}
		b.WriteString(formatTaskEvents(st.Events, limit))
	}
	return b.String()
}

func formatTaskTime(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return t.UTC().Format(time.RFC3339)
}

// formatTaskUsage renders a task's latest sample.
func formatTaskUsage(u *api.TaskResourceUsage) string {
	if u == nil || u.ResourceUsage == nil || u.ResourceUsage.MemoryStats == nil || u.ResourceUsage.CpuStats == nil {
		return "No resource use reported yet"
	}
	m, c := u.ResourceUsage.MemoryStats, u.ResourceUsage.CpuStats
	return formatList([]string{
		"CPU|Memory RSS|Memory Usage|Max Memory",
		fmt.Sprintf("%.1f%%|%s|%s|%s", c.Percent, humanBytes(int64(m.RSS)), humanBytes(int64(m.Usage)), humanBytes(int64(m.MaxUsage))),
	})
}

// formatTaskEvents lists events newest first, at most limit of them (0:
// all).
func formatTaskEvents(events []*api.TaskEvent, limit int) string {
	sorted := append([]*api.TaskEvent(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time > sorted[j].Time })
	if limit > 0 && len(sorted) > limit {
		sorted = sorted[:limit]
	}
	rows := []string{"Time|Type|Description"}
	for _, e := range sorted {
		rows = append(rows, fmt.Sprintf("%s|%s|%s", time.Unix(0, e.Time).UTC().Format(time.RFC3339), e.Type,
			strings.ReplaceAll(eventDescription(e), "|", "/")))
	}
	return formatList(rows)
}

// eventDescription is what a task event says, for the events table.
func eventDescription(e *api.TaskEvent) string {
	if e.DisplayMessage != "" {
		return e.DisplayMessage
	}
	var parts []string
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	switch e.Type {
	case "Terminated":
		parts = append(parts, fmt.Sprintf("Exit Code: %d", e.ExitCode))
		if e.Signal != 0 {
			parts = append(parts, fmt.Sprintf("Signal: %d", e.Signal))
		}
	case "Restarting":
		if e.RestartReason != "" {
			parts = append(parts, e.RestartReason)
		}
	case "Killing":
		if e.KillReason != "" {
			parts = append(parts, e.KillReason)
		}
	case "Driver Failure":
		if e.DriverError != "" {
			parts = append(parts, e.DriverError)
		}
	}
	return strings.Join(parts, ", ")
}
