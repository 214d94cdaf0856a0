package command

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nomadish/nomadish/api"
)

// diffMarker is the prefix of a diff line: "+" added, "-" deleted, "+/-"
// edited, nothing when unchanged.
func diffMarker(typ string) string {
	switch typ {
	case api.DiffTypeAdded:
		return "+"
	case api.DiffTypeDeleted:
		return "-"
	case api.DiffTypeEdited:
		return "+/-"
	}
	return ""
}

// diffChanged reports whether a diff type is a change.
func diffChanged(typ string) bool { return typ != "" && typ != api.DiffTypeNone }

// diffFormatter renders a job diff the way `job plan` and `job history -p`
// show it:
//
//	+/- Job: "web"
//	+/- Task Group: "frontend" (2 create)
//	  +/- Count: "1" => "3" (forces create)
//	      Task: "server"
//
// Unchanged fields and objects directly under the job, a group or a task
// are shown only when verbose; inside a changed object everything the
// server sent is shown, for context.
type diffFormatter struct {
	verbose bool
	// updates, when a group diff carries no counts of its own, gives the
	// scheduler's counts for it (from a plan's annotations).
	updates map[string]*api.DesiredUpdates
	b       strings.Builder
}

func formatJobDiff(d *api.JobDiff, verbose bool, updates map[string]*api.DesiredUpdates) string {
	if d == nil {
		return ""
	}
	f := &diffFormatter{verbose: verbose, updates: updates}
	// The job line, its fields and its groups share one marker column.
	jobType := effectiveType(d.Type, jobDiffChanged(d))
	width := len(diffMarker(jobType))
	var groups []*api.TaskGroupDiff
	for _, tg := range d.TaskGroups {
		typ := effectiveType(tg.Type, groupDiffChanged(tg))
		if verbose || diffChanged(typ) || f.groupUpdates(tg) != "" {
			groups = append(groups, tg)
			width = max(width, len(diffMarker(typ)))
		}
	}
	f.line(0, diffMarker(jobType), width, fmt.Sprintf("Job: %q", d.ID))
	f.body(0, width, d.Fields, d.Objects, true)
	for _, tg := range groups {
		f.group(tg, width)
	}
	return strings.TrimRight(f.b.String(), "\n")
}

func (f *diffFormatter) group(tg *api.TaskGroupDiff, width int) {
	head := fmt.Sprintf("Task Group: %q", tg.Name)
	if u := f.groupUpdates(tg); u != "" {
		head += " (" + u + ")"
	}
	tgType := effectiveType(tg.Type, groupDiffChanged(tg))
	f.line(0, diffMarker(tgType), width, head)
	f.body(2, 0, tg.Fields, tg.Objects, true)
	width = 0
	for _, t := range tg.Tasks {
		width = max(width, len(diffMarker(effectiveType(t.Type, taskDiffChanged(t)))))
	}
	for _, t := range tg.Tasks {
		tType := effectiveType(t.Type, taskDiffChanged(t))
		if !f.verbose && !diffChanged(tType) && !diffChanged(tgType) {
			continue
		}
		head := fmt.Sprintf("Task: %q", t.Name)
		if len(t.Annotations) > 0 {
			head += " (" + strings.Join(t.Annotations, ", ") + ")"
		}
		f.line(2, diffMarker(tType), width, head)
		f.body(4, 0, t.Fields, t.Objects, true)
	}
}

// groupUpdates renders what the scheduler would do to a group's
// allocations, e.g. "1 create, 2 ignore".
func (f *diffFormatter) groupUpdates(tg *api.TaskGroupDiff) string {
	counts := map[string]uint64{}
	for k, v := range tg.Updates {
		if v > 0 {
			counts[k] = v
		}
	}
	if len(counts) == 0 && f.updates[tg.Name] != nil {
		u := f.updates[tg.Name]
		for k, v := range map[string]uint64{
			"create": u.Place, "destroy": u.Stop, "migrate": u.Migrate, "ignore": u.Ignore,
			"in-place update": u.InPlaceUpdate, "create/destroy update": u.DestructiveUpdate,
			"canary": u.Canary, "preemption": u.Preemptions,
		} {
			if v > 0 {
				counts[k] = v
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// body renders fields then objects at indent, markers in a column at least
// minWidth wide; top says they sit directly under the job, a group or a
// task, where unchanged ones are hidden unless verbose.
func (f *diffFormatter) body(indent, minWidth int, fields []*api.FieldDiff, objects []*api.ObjectDiff, top bool) {
	show := func(typ string) bool { return !top || f.verbose || diffChanged(typ) }
	width, nameWidth := minWidth, 0
	for _, fd := range fields {
		if show(fd.Type) {
			width = max(width, len(diffMarker(fd.Type)))
			nameWidth = max(nameWidth, utf8.RuneCountInString(fd.Name)+1)
		}
	}
	for _, od := range objects {
		if typ := effectiveType(od.Type, objectDiffChanged(od)); show(typ) {
			width = max(width, len(diffMarker(typ)))
		}
	}
	for _, fd := range fields {
		if !show(fd.Type) {
			continue
		}
		name := fd.Name + ":"
		name += strings.Repeat(" ", nameWidth-utf8.RuneCountInString(name))
		f.line(indent, diffMarker(fd.Type), width, name+" "+fieldValue(fd))
	}
	for _, od := range objects {
		typ := effectiveType(od.Type, objectDiffChanged(od))
		if !show(typ) {
			continue
		}
		f.line(indent, diffMarker(typ), width, od.Name+" {")
		f.body(indent+2, 0, od.Fields, od.Objects, false)
		f.line(indent, "", width, "}")
	}
}

// fieldValue is `"old" => "new"`, `"new"` or `"old"` by the change, with
// the field's annotations such as "(forces create)".
func fieldValue(fd *api.FieldDiff) string {
	var v string
	switch fd.Type {
	case api.DiffTypeAdded:
		v = fmt.Sprintf("%q", fd.New)
	case api.DiffTypeDeleted:
		v = fmt.Sprintf("%q", fd.Old)
	case api.DiffTypeEdited:
		v = fmt.Sprintf("%q => %q", fd.Old, fd.New)
	default:
		v = fmt.Sprintf("%q", fd.New)
		if fd.New == "" {
			v = fmt.Sprintf("%q", fd.Old)
		}
	}
	if len(fd.Annotations) > 0 {
		v += " (" + strings.Join(fd.Annotations, ", ") + ")"
	}
	return v
}

// line writes one line: indent spaces, the marker right-aligned in width
// columns, a space, then text.
func (f *diffFormatter) line(indent int, marker string, width int, text string) {
	f.b.WriteString(strings.Repeat(" ", indent))
	if width > 0 {
		f.b.WriteString(strings.Repeat(" ", width-len(marker)))
		f.b.WriteString(marker)
		f.b.WriteByte(' ')
	}
	f.b.WriteString(text)
	f.b.WriteByte('\n')
}

// The change tests below look at the leaves rather than trusting an
// "Edited" type, so that a group marked edited only because the scheduler
// has something to say about it (an "ignore" count) reads as unchanged.

func jobDiffChanged(d *api.JobDiff) bool {
	if d == nil {
		return false
	}
	if d.Type == api.DiffTypeAdded || d.Type == api.DiffTypeDeleted {
		return true
	}
	if fieldsChanged(d.Fields) || objectsChanged(d.Objects) {
		return true
	}
	for _, tg := range d.TaskGroups {
		if groupDiffChanged(tg) {
			return true
		}
	}
	return false
}

func groupDiffChanged(tg *api.TaskGroupDiff) bool {
	if tg.Type == api.DiffTypeAdded || tg.Type == api.DiffTypeDeleted {
		return true
	}
	if fieldsChanged(tg.Fields) || objectsChanged(tg.Objects) {
		return true
	}
	for _, t := range tg.Tasks {
		if taskDiffChanged(t) {
			return true
		}
	}
	return false
}

func taskDiffChanged(t *api.TaskDiff) bool {
	return t.Type == api.DiffTypeAdded || t.Type == api.DiffTypeDeleted || fieldsChanged(t.Fields) || objectsChanged(t.Objects)
}

func objectDiffChanged(o *api.ObjectDiff) bool {
	return o.Type == api.DiffTypeAdded || o.Type == api.DiffTypeDeleted || fieldsChanged(o.Fields) || objectsChanged(o.Objects)
}

func fieldsChanged(fields []*api.FieldDiff) bool {
	for _, f := range fields {
		if diffChanged(f.Type) {
			return true
		}
	}
	return false
}

func objectsChanged(objects []*api.ObjectDiff) bool {
	for _, o := range objects {
		if objectDiffChanged(o) {
			return true
		}
	}
	return false
}

// effectiveType is typ, except that "Edited" without any changed leaf is
// "None".
func effectiveType(typ string, changed bool) string {
	if typ == api.DiffTypeEdited && !changed {
		return api.DiffTypeNone
	}
	return typ
}
