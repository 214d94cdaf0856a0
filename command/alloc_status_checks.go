package command

import (
	"fmt"
	"strings"

	"github.com/nomadish/nomadish/api"
)

// allocHasNomadChecks reports whether the allocation's group has checks
// the client runs itself (services of provider nomad, the default), whose
// results alloc status then reads from the client.
func allocHasNomadChecks(a *api.Allocation) bool {
	if a == nil || a.Job == nil {
		return false
	}
	has := func(svcs []*api.Service) bool {
		for _, s := range svcs {
			if s != nil && s.Provider != "consul" && len(s.Checks) > 0 {
				return true
			}
		}
		return false
	}
	for _, tg := range a.Job.TaskGroups {
		if tg == nil || tg.Name != a.TaskGroup {
			continue
		}
		if has(tg.Services) {
			return true
		}
		for _, t := range tg.Tasks {
			if t != nil && has(t.Services) {
				return true
			}
		}
	}
	return false
}

// formatAllocChecks is alloc status's "Nomad Service Checks" section, ""
// when the allocation has no checks.
func formatAllocChecks(view allocView) string {
	if view.checksErr != nil {
		return fmt.Sprintf("\n\nNomad Service Checks: could not be read from the allocation's client: %v", view.checksErr)
	}
	if len(view.checks) == 0 {
		return ""
	}
	rows := []string{"Service|Task|Name|Mode|Status"}
	var outputs []string
	for _, c := range view.checks.Sorted() {
		task := c.Task
		if task == "" {
			task = "(group)"
		}
		status := c.Status
		if c.StatusCode != 0 {
			status = fmt.Sprintf("%s (%d)", c.Status, c.StatusCode)
		}
		rows = append(rows, strings.Join([]string{c.Service, task, c.Check, c.Mode, status}, "|"))
		if view.verbose && c.Output != "" {
			outputs = append(outputs, fmt.Sprintf("%s/%s: %s", c.Service, c.Check, strings.TrimSpace(c.Output)))
		}
	}
	out := "\n\nNomad Service Checks:\n" + formatList(rows)
	if len(outputs) > 0 {
		out += "\n\nCheck Output:\n" + strings.Join(outputs, "\n")
	}
	return out
}
