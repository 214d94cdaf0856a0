package command

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/nomadish/nomadish/api"
)

// resolveAlloc finds the one allocation whose ID is id or starts with it
// and reads it in full. When several match it prints them and asks for a
// longer prefix.
func (m *Meta) resolveAlloc(client *api.Client, id string) (*api.Allocation, bool) {
	match, ok := resolvePrefix(m, "allocation", id, func() ([]*api.AllocationListStub, error) {
		stubs, _, err := client.Allocations().List(&api.QueryOptions{Prefix: id})
		return stubs, err
	}, func(s *api.AllocationListStub) string { return s.ID },
		"ID|Job ID|Task Group|Node ID|Desired|Status", func(s *api.AllocationListStub) string {
			return fmt.Sprintf("%s|%s|%s|%s|%s|%s", s.ID, s.JobID, s.TaskGroup, shortID(s.NodeID, false), s.DesiredStatus, s.ClientStatus)
		})
	if !ok {
		return nil, false
	}
	alloc, _, err := client.Allocations().Info(match.ID, nil)
	if err != nil {
		m.apiError(fmt.Sprintf("reading allocation %q", match.ID), err)
		return nil, false
	}
	return alloc, true
}

// newestJobAlloc returns the ID of the job's most recently created
// allocation.
func (m *Meta) newestJobAlloc(client *api.Client, jobID string) (string, bool) {
	stubs, _, err := client.Jobs().Allocations(jobID, nil)
	if err != nil {
		m.apiError(fmt.Sprintf("listing the allocations of job %q", jobID), err)
		return "", false
	}
	if len(stubs) == 0 {
		m.Ui.Error(fmt.Sprintf("Job %q has no allocations", jobID))
		return "", false
	}
	newest := stubs[0]
	for _, s := range stubs[1:] {
		if s.CreateIndex > newest.CreateIndex || (s.CreateIndex == newest.CreateIndex && s.ID < newest.ID) {
			newest = s
		}
	}
	return newest.ID, true
}

// allocTasks lists the task names of the allocation's group, in the
// order the job file gives them.
func allocTasks(a *api.Allocation) []string {
	var out []string
	if a.Job != nil {
		for _, tg := range a.Job.TaskGroups {
			if tg != nil && tg.Name == a.TaskGroup {
				for _, t := range tg.Tasks {
					out = append(out, t.Name)
				}
			}
		}
	}
	if len(out) == 0 {
		// No job copy: fall back to the tasks the client reported.
		for name := range a.TaskStates {
			out = append(out, name)
		}
		sort.Strings(out)
	}
	return out
}

// pickTask returns task when the allocation has it, or the only task
// when task is "" and the group has one. Otherwise it prints the tasks to
// choose from.
func (m *Meta) pickTask(a *api.Allocation, task string) (string, bool) {
	tasks := allocTasks(a)
	if task != "" {
		for _, t := range tasks {
			if t == task {
				return task, true
			}
		}
		m.Ui.Error(fmt.Sprintf("Task %q is not in allocation %s (group %q); its tasks:\n  * %s",
			task, shortID(a.ID, false), a.TaskGroup, strings.Join(tasks, "\n  * ")))
		return "", false
	}
	if len(tasks) == 1 {
		return tasks[0], true
	}
	m.Ui.Error(fmt.Sprintf("Allocation %s is running the following tasks:\n  * %s\n\nPlease specify the task.",
		shortID(a.ID, false), strings.Join(tasks, "\n  * ")))
	return "", false
}

// outputWriter is where commands that print raw bytes (logs, files)
// write: the Ui's own writer when it has one, else a writer that hands
// each line to Ui.Output.
func (m *Meta) outputWriter() (w io.Writer, flush func()) {
	switch u := m.Ui.(type) {
	case *cli.BasicUi:
		return u.Writer, func() {}
	case *cli.MockUi:
		return u.OutputWriter, func() {}
	}
	lw := &uiLineWriter{ui: m.Ui}
	return lw, lw.flush
}

// uiLineWriter passes whole lines to Ui.Output and keeps a partial line
// until more arrives or flush.
type uiLineWriter struct {
	ui  cli.Ui
	buf []byte
}

func (w *uiLineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		w.ui.Output(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

func (w *uiLineWriter) flush() {
	if len(w.buf) > 0 {
		w.ui.Output(string(w.buf))
		w.buf = nil
	}
}
