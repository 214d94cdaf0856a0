package command

import (
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/api"
)

// Exit codes of commands that monitor an evaluation.
const (
	exitOK          = 0
	exitError       = 1
	exitPlaceFailed = 2 // the evaluation failed or could not place everything
)

// defaultMonitorTimeout bounds how long job run and job stop watch an
// evaluation before leaving it to finish on its own.
const defaultMonitorTimeout = 30 * time.Second

// monitorPollInterval spaces reads of an evaluation when the agent answers
// without blocking (no index, or the index did not move).
const monitorPollInterval = 500 * time.Millisecond

// evalMonitor follows one evaluation with blocking queries until it is
// terminal or the timeout passes, printing what changes.
type evalMonitor struct {
	ui      cli.Ui
	client  *api.Client
	meta    *Meta // for the clock
	timeout time.Duration
	verbose bool
	jobID   string // for the hint printed on timeout
	// again, when set, is the command that watches the evaluation again,
	// printed on timeout instead of the hints of job run's flags.
	again string
}

// monitor watches evalID and returns the command's exit code: 0 when the
// evaluation completed, was canceled or is still pending at the timeout,
// 2 when it failed or left allocations unplaced, 1 on errors.
func (m *evalMonitor) monitor(evalID string) int {
	id := shortID(evalID, m.verbose)
	m.ui.Output(fmt.Sprintf("==> Monitoring evaluation %q", id))

	deadline := m.meta.clockNow().Add(m.timeout)
	var index uint64
	var status string
	for first := true; ; first = false {
		remaining := deadline.Sub(m.meta.clockNow())
		if remaining <= 0 {
			return m.timedOut(id, status)
		}
		eval, qm, err := m.client.Evaluations().Info(evalID, &api.QueryOptions{WaitIndex: index, WaitTime: remaining})
		if err != nil {
			m.meta.apiError(fmt.Sprintf("reading evaluation %q", id), err)
			return exitError
		}
		if first {
			m.describeTrigger(eval)
		}
		if eval.Status != status {
			if status != "" {
				m.ui.Output(fmt.Sprintf("    Evaluation status changed: %q -> %q", status, eval.Status))
			}
			status = eval.Status
		}
		if eval.Terminal() {
			return m.finished(id, eval)
		}
		if qm.LastIndex == 0 || qm.LastIndex <= index {
			m.meta.clockPause(monitorPollInterval)
		}
		index = qm.LastIndex
	}
}

func (m *evalMonitor) describeTrigger(eval *api.Evaluation) {
	if eval.JobID == "" {
		return
	}
	msg := fmt.Sprintf("    Evaluation triggered by job %q", eval.JobID)
	if eval.TriggeredBy != "" {
		msg += " (" + eval.TriggeredBy + ")"
	}
	m.ui.Output(msg)
}

func (m *evalMonitor) timedOut(id, status string) int {
	m.ui.Output(fmt.Sprintf("==> Evaluation %q is still %q after %s", id, status, m.timeout))
	m.ui.Output("    No scheduler has finished it yet; it will be processed without this command watching.")
	if m.jobID != "" {
		m.ui.Output(fmt.Sprintf("    Check on it later with: nomadish job status %s", m.jobID))
	}
	if m.again != "" {
		m.ui.Output(fmt.Sprintf("    Watch it again with: %s (-timeout=<duration> waits longer)", m.again))
		return exitOK
	}
	m.ui.Output("    Wait longer with -timeout=<duration>, or skip waiting with -detach.")
	return exitOK
}

func (m *evalMonitor) finished(id string, eval *api.Evaluation) int {
	switch {
	case eval.Status == api.EvalStatusFailed:
		msg := fmt.Sprintf("==> Evaluation %q finished with status %q", id, eval.Status)
		if eval.StatusDescription != "" {
			msg += ": " + eval.StatusDescription
		}
		m.ui.Error(msg)
		return exitPlaceFailed

	case len(eval.FailedTGAllocs) > 0:
		m.ui.Error(fmt.Sprintf("==> Evaluation %q finished with status %q but failed to place all allocations:", id, eval.Status))
		for _, line := range formatPlacementFailures(eval.FailedTGAllocs, false) {
			m.ui.Error("    " + line)
		}
		if eval.BlockedEval != "" {
			m.ui.Error(fmt.Sprintf("    Evaluation %q waiting for additional capacity to place remainder", shortID(eval.BlockedEval, m.verbose)))
		}
		return exitPlaceFailed

	default:
		if eval.Status == api.EvalStatusComplete {
			m.listPlacements(eval.ID)
		}
		msg := fmt.Sprintf("==> Evaluation %q finished with status %q", id, eval.Status)
		if eval.Status != api.EvalStatusComplete && eval.StatusDescription != "" {
			msg += ": " + eval.StatusDescription
		}
		m.ui.Output(msg)
		return exitOK
	}
}

func (m *evalMonitor) listPlacements(evalID string) {
	allocs, _, err := m.client.Evaluations().Allocations(evalID, nil)
	if err != nil {
		m.ui.Warn(fmt.Sprintf("    Could not list the evaluation's allocations: %s", err))
		return
	}
	sort.Slice(allocs, func(i, j int) bool { return allocs[i].ID < allocs[j].ID })
	for _, a := range allocs {
		m.ui.Output(fmt.Sprintf("    Allocation %q created: node %q, group %q",
			shortID(a.ID, m.verbose), shortID(a.NodeID, m.verbose), a.TaskGroup))
	}
}

// formatPlacementFailures explains the failed placements of an
// evaluation, one task group after the other in name order: a heading per
// group with how many allocations it could not place, then the reasons,
// indented as a list. job run's monitor, job status and eval status all
// print them so; with nodeCounts each group's list starts with how many
// nodes were evaluated, filtered and exhausted.
func formatPlacementFailures(failed map[string]*api.AllocationMetric, nodeCounts bool) []string {
	groups := make([]string, 0, len(failed))
	for g := range failed {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var lines []string
	for _, g := range groups {
		metric := failed[g]
		if metric == nil {
			metric = &api.AllocationMetric{}
		}
		lines = append(lines, fmt.Sprintf("Task Group %q (failed to place %s):", g, plural(metric.CoalescedFailures+1, "allocation")))
		reasons := describePlacementFailure(metric)
		if nodeCounts && metric.NodesEvaluated > 0 {
			reasons = append([]string{describeNodeCounts(metric)}, reasons...)
		}
		for _, r := range reasons {
			lines = append(lines, "  * "+r)
		}
	}
	return lines
}

// describeNodeCounts says how far placement got among the nodes: how many
// it evaluated, and of those how many a filter (class or constraint)
// excluded and how many had too few resources.
func describeNodeCounts(metric *api.AllocationMetric) string {
	return fmt.Sprintf("%s evaluated: %d excluded by filter, %d exhausted",
		plural(metric.NodesEvaluated, "node"), metric.NodesFiltered, metric.NodesExhausted)
}

// describePlacementFailure explains an AllocationMetric in sorted lines.
func describePlacementFailure(metric *api.AllocationMetric) []string {
	var lines []string
	if metric.NodesEvaluated == 0 {
		lines = append(lines, "No nodes were eligible for evaluation")
	}
	for _, dc := range sortedKeys(metric.NodesAvailable) {
		if metric.NodesAvailable[dc] == 0 {
			lines = append(lines, fmt.Sprintf("No nodes are available in datacenter %q", dc))
		}
	}
	for _, class := range sortedKeys(metric.ClassFiltered) {
		lines = append(lines, fmt.Sprintf("Class %q: %s excluded by filter", class, plural(metric.ClassFiltered[class], "node")))
	}
	for _, c := range sortedKeys(metric.ConstraintFiltered) {
		line := fmt.Sprintf("Constraint %q: %s excluded by filter", c, plural(metric.ConstraintFiltered[c], "node"))
		if detail := metric.ConstraintDetails[c]; detail != "" {
			line += ": " + detail
		}
		lines = append(lines, line)
	}
	if metric.NodesExhausted > 0 {
		lines = append(lines, fmt.Sprintf("Resources exhausted on %s", plural(metric.NodesExhausted, "node")))
	}
	for _, class := range sortedKeys(metric.ClassExhausted) {
		lines = append(lines, fmt.Sprintf("Class %q exhausted on %s", class, plural(metric.ClassExhausted[class], "node")))
	}
	for _, dim := range sortedKeys(metric.DimensionExhausted) {
		lines = append(lines, fmt.Sprintf("Dimension %q exhausted on %s", dim, plural(metric.DimensionExhausted[dim], "node")))
	}
	for _, q := range metric.QuotaExhausted {
		lines = append(lines, fmt.Sprintf("Quota limit hit %q", q))
	}
	return lines
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
