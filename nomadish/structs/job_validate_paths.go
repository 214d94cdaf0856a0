package structs

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// The validators of a job record each problem under the path of the Go
// field it concerns ("TaskGroups[0].Tasks[2].Artifacts[0].RelativeDest"),
// which is how the code walks the job. The user wrote a job file, so
// Job.ValidateWith renders those paths in the job file's words before it
// returns them: `group "web" > task "nginx" > artifact[0] > destination`.
// Doing it once here, rather than in every validator, keeps the words the
// same everywhere and lets validators of new blocks get them for free: a
// field this file does not name is written in snake_case, which is how
// the job specification spells almost every argument.

// hclNames are the job file's names of the Go fields whose snake_case
// spelling is not the job file's.
var hclNames = map[string]string{
	"ID":               "job ID",
	"TaskGroups":       "group",
	"Tasks":            "task",
	"Services":         "service",
	"Checks":           "check",
	"Constraints":      "constraint",
	"Affinities":       "affinity",
	"Spreads":          "spread",
	"SpreadTarget":     "target",
	"Artifacts":        "artifact",
	"Templates":        "template",
	"Networks":         "network",
	"VolumeMounts":     "volume_mount",
	"Volumes":          "volume",
	"RestartPolicy":    "restart",
	"ReschedulePolicy": "reschedule",
	"LogConfig":        "logs",
	"ParameterizedJob": "parameterized",
	"LTarget":          "attribute",
	"RTarget":          "value",
	"Operand":          "operator",
	"CPU":              "cpu",
	"MemoryMB":         "memory",
	"MemoryMaxMB":      "memory_max",
	"DiskMB":           "disk",
	"SizeMB":           "size",
	"MaxFileSizeMB":    "max_file_size",
	"GetterSource":     "source",
	"GetterOptions":    "options",
	"GetterHeaders":    "headers",
	"GetterMode":       "mode",
	"RelativeDest":     "destination",
	"DestPath":         "destination",
	"SourcePath":       "source",
	"EmbeddedTmpl":     "data",
	"Envvars":          "env",
	"LeftDelim":        "left_delimiter",
	"RightDelim":       "right_delimiter",
	"Spec":             "cron",
	"Specs":            "crons",
	"PortLabel":        "port",
	"TaskName":         "task",
	"DynamicPorts":     "port",
	"ReservedPorts":    "port",
	"CSIPluginConfig":  "csi_plugin",
	"KillSignal":       "kill_signal",
	"TimeZone":         "time_zone",
	"Payload":          "payload",
	"MBits":            "mbits",
	"Identities":       "identity",
	"Secrets":          "secret",
	"Actions":          "action",
	"LB":               "lb",
	"Routes":           "route",
}

// userPath renders a Go field path of j in the job file's words.
func (j *Job) userPath(goPath string) string {
	if goPath == "" {
		return ""
	}
	segs, ok := splitFieldPath(goPath)
	if !ok {
		return goPath
	}
	r := pathResolver{job: j}
	parts := make([]string, 0, len(segs))
	for _, s := range segs {
		parts = append(parts, r.render(s))
	}
	return strings.Join(parts, " > ")
}

// userErr renders the paths of a *ValidationError from j's validators,
// and Go field names in its messages, in the job file's words.
func (j *Job) userErr(err error) error {
	var ve *ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	out := &ValidationError{Problems: make([]FieldError, len(ve.Problems))}
	for i, p := range ve.Problems {
		out.Problems[i] = FieldError{Path: j.userPath(p.Path), Message: userWords(p.Message)}
	}
	return out
}

// fieldSeg is one step of a Go field path: a field name and, for an
// element of a list or map, its index or key.
type fieldSeg struct {
	name   string
	index  int    // -1 when there is none
	key    string // a map key, when hasKey
	hasKey bool
}

// splitFieldPath splits "TaskGroups[0].Volumes[\"data\"].Source" into its
// steps. It reports false for a path it does not understand, which is
// then shown as it is.
func splitFieldPath(p string) ([]fieldSeg, bool) {
	var segs []fieldSeg
	for len(p) > 0 {
		end := strings.IndexAny(p, ".[")
		if end < 0 {
			end = len(p)
		}
		seg := fieldSeg{name: p[:end], index: -1}
		p = p[end:]
		for strings.HasPrefix(p, "[") {
			if strings.HasPrefix(p, "[\"") {
				// A quoted map key, which may hold '.' and ']'.
				q, err := strconv.QuotedPrefix(p[1:])
				if err != nil || !strings.HasPrefix(p[1+len(q):], "]") {
					return nil, false
				}
				seg.key, _ = strconv.Unquote(q)
				seg.hasKey = true
				p = p[1+len(q)+1:]
				continue
			}
			close := strings.IndexByte(p, ']')
			if close < 0 {
				return nil, false
			}
			n, err := strconv.Atoi(p[1:close])
			if err != nil {
				return nil, false
			}
			seg.index = n
			p = p[close+1:]
		}
		if seg.name == "" && seg.index < 0 && !seg.hasKey {
			return nil, false
		}
		segs = append(segs, seg)
		p = strings.TrimPrefix(p, ".")
	}
	return segs, true
}

// pathResolver follows a path through the job, so that groups, tasks,
// ports and volumes are named by the labels the user gave them.
type pathResolver struct {
	job  *Job
	tg   *TaskGroup
	task *Task
	net  *NetworkResource
	port bool // the previous step was a port
}

func (r *pathResolver) render(s fieldSeg) string {
	name := hclName(s.name)
	wasPort := r.port
	r.port = false
	switch s.name {
	case "TaskGroups":
		if s.index >= 0 && r.job != nil && s.index < len(r.job.TaskGroups) && r.job.TaskGroups[s.index] != nil {
			r.tg = r.job.TaskGroups[s.index]
			r.task, r.net = nil, nil
			if r.tg.Name != "" {
				return groupLabel(r.tg.Name)
			}
		}
	case "Tasks":
		if s.index >= 0 && r.tg != nil && s.index < len(r.tg.Tasks) && r.tg.Tasks[s.index] != nil {
			r.task, r.net = r.tg.Tasks[s.index], nil
			if r.task.Name != "" {
				return taskLabel(r.task.Name)
			}
		}
	case "Networks":
		nets := r.networks()
		if s.index >= 0 && s.index < len(nets) {
			r.net = nets[s.index]
		}
	case "ReservedPorts", "DynamicPorts":
		r.port = true
		if r.net != nil && s.index >= 0 {
			ports := r.net.DynamicPorts
			if s.name == "ReservedPorts" {
				ports = r.net.ReservedPorts
			}
			if s.index < len(ports) && ports[s.index].Label != "" {
				return "port " + strconv.Quote(ports[s.index].Label)
			}
		}
	case "Identities", "Secrets", "Actions":
		// A task's named blocks: Nomad's users tell them apart by name
		// (`secret "db"`, `action "flush"`, the identity with name =
		// "vault_default"), not by their place in the list.
		if label := r.taskBlockName(s); label != "" {
			return name + " " + strconv.Quote(label)
		}
	case "Volumes":
		if s.hasKey {
			return "volume " + strconv.Quote(s.key)
		}
	case "Value":
		if wasPort {
			return "static"
		}
	}
	switch {
	case s.hasKey:
		return name + "[" + strconv.Quote(s.key) + "]"
	case s.index >= 0:
		return name + "[" + strconv.Itoa(s.index) + "]"
	case blockLists[s.name]:
		// The list as a whole, as in "at least one task is required".
		return name + " blocks"
	}
	return name
}

// blockLists are the Go fields that hold the blocks of one type.
var blockLists = map[string]bool{
	"TaskGroups": true, "Tasks": true, "Services": true, "Checks": true,
	"Constraints": true, "Affinities": true, "Spreads": true, "SpreadTarget": true,
	"Artifacts": true, "Templates": true, "Networks": true, "VolumeMounts": true,
	"Volumes": true, "ReservedPorts": true, "DynamicPorts": true,
	"Identities": true, "Secrets": true, "Actions": true, "Routes": true,
}

// taskBlockName is the name of the task's identity, secret or action that
// step s indexes, or "" when there is no such block or it has no name (it
// is then shown by its index).
func (r *pathResolver) taskBlockName(s fieldSeg) string {
	if r.task == nil || s.index < 0 {
		return ""
	}
	i := s.index
	switch s.name {
	case "Identities":
		if i < len(r.task.Identities) && r.task.Identities[i] != nil {
			return r.task.Identities[i].Name
		}
	case "Secrets":
		if i < len(r.task.Secrets) && r.task.Secrets[i] != nil {
			return r.task.Secrets[i].Name
		}
	case "Actions":
		if i < len(r.task.Actions) && r.task.Actions[i] != nil {
			return r.task.Actions[i].Name
		}
	}
	return ""
}

// networks are the networks the next "Networks" step indexes: a task's
// resources' when a task was reached, else the group's.
func (r *pathResolver) networks() []*NetworkResource {
	if r.task != nil && r.task.Resources != nil {
		return r.task.Resources.Networks
	}
	if r.tg != nil {
		return r.tg.Networks
	}
	return nil
}

// hclName is the job file's name of a Go field.
func hclName(field string) string {
	if n, ok := hclNames[field]; ok {
		return n
	}
	return snakeCase(field)
}

// snakeCase turns MaxParallel into max_parallel and HTTPAddr into
// http_addr.
func snakeCase(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i, c := range runes {
		if unicode.IsUpper(c) {
			if i > 0 && (unicode.IsLower(runes[i-1]) || (i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// messageNames are the Go field names a validator's message may mention
// about another field ("must be less than HealthyDeadline"), with their
// job file names.
var messageNames = map[string]string{
	"HealthyDeadline": "healthy_deadline",
	"MinHealthyTime":  "min_healthy_time",
	"MemoryMB":        "memory",
	"MemoryMaxMB":     "memory_max",
	"SourcePath":      "source",
	"EmbeddedTmpl":    "data",
	"CPU":             "cpu",
	"Cores":           "cores",
	"Config":          "config",
}

// userWords rewrites the Go field names of messageNames in a message, in
// its text outside double-quoted values (which are the user's own).
func userWords(msg string) string {
	var b strings.Builder
	inQuote := false
	word := strings.Builder{}
	flush := func() {
		w := word.String()
		if n, ok := messageNames[w]; ok && !inQuote {
			w = n
		}
		b.WriteString(w)
		word.Reset()
	}
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case c == '\\' && inQuote && i+1 < len(msg):
			flush()
			b.WriteByte(c)
			b.WriteByte(msg[i+1])
			i++
		case c == '"':
			flush()
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
			word.WriteByte(c)
		default:
			flush()
			b.WriteByte(c)
		}
	}
	flush()
	return b.String()
}
