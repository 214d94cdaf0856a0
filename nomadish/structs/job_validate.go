package structs

import (
	"regexp"
	"strings"
	"time"
)

// validIdentifier is what a group or task name may look like: no spaces
// or slashes, so it is safe in URLs and file paths.
var validIdentifier = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)

// validJobID is what a job ID may look like: as an identifier, plus "/",
// which the IDs of dispatched and periodic children contain
// ("batch/periodic-1700000000"). Clients path-escape IDs in URLs.
var validJobID = regexp.MustCompile(`^[a-zA-Z0-9_\-./]+$`)

const maxIdentifierLength = 128

// Canonicalize fills the defaults Nomad documents for fields a user left
// out. It never overrides a value the user set.
func (j *Job) Canonicalize() {
	if j == nil {
		return
	}
	if j.Namespace == "" {
		j.Namespace = DefaultNamespace
	}
	if j.Name == "" {
		j.Name = j.ID
	}
	if j.Type == "" {
		j.Type = JobTypeService
	}
	if j.Priority == 0 {
		j.Priority = DefaultJobPriority
	}
	if j.NodePool == "" {
		j.NodePool = DefaultNodePool
	}
	if len(j.Datacenters) == 0 {
		j.Datacenters = []string{"*"}
	}
	if j.Periodic != nil && j.Periodic.SpecType == "" {
		j.Periodic.SpecType = "cron"
	}
	if j.ParameterizedJob != nil && j.ParameterizedJob.Payload == "" {
		j.ParameterizedJob.Payload = DispatchPayloadOptional
	}
	canonicalizePlacement(j.Affinities, j.Spreads)
	for _, tg := range j.TaskGroups {
		if tg != nil {
			tg.canonicalize(j)
		}
	}
}

// DefaultPlacementWeight is the weight of an affinity or spread that
// names none, as Nomad's API gives it.
const DefaultPlacementWeight = 50

// canonicalizePlacement gives affinities and spreads sent without a
// weight (JSON leaving Weight out decodes as 0, which no rule may have)
// the default weight. Job files never get here with 0: the parser
// refuses it.
func canonicalizePlacement(as []*Affinity, ss []*Spread) {
	for _, a := range as {
		if a != nil && a.Weight == 0 {
			a.Weight = DefaultPlacementWeight
		}
	}
	for _, s := range ss {
		if s != nil && s.Weight == 0 {
			s.Weight = DefaultPlacementWeight
		}
	}
}

func (tg *TaskGroup) canonicalize(j *Job) {
	for _, s := range tg.Services {
		if s != nil {
			s.LB.Canonicalize()
		}
	}
	for _, t := range tg.Tasks {
		if t == nil {
			continue
		}
		for _, s := range t.Services {
			if s != nil {
				s.LB.Canonicalize()
			}
		}
	}
	// A group without an update block follows the job's; a service job
	// without one either gets the documented default strategy, so that
	// its updates roll one allocation at a time through a deployment.
	// max_parallel = 0, written out, turns deployments off.
	if tg.Update == nil {
		switch {
		case j.Update != (UpdateStrategy{}):
			u := j.Update
			tg.Update = &u
		case j.Type == JobTypeService:
			tg.Update = DefaultUpdateStrategy()
		}
	}
	if tg.RestartPolicy == nil {
		tg.RestartPolicy = defaultRestartPolicy(j.Type)
	}
	tg.inheritPolicies(j) // job_inherit.go
	canonicalizePlacement(tg.Affinities, tg.Spreads)
	tg.canonicalizeDisconnect()
	tg.canonicalizeScaling(j)
	if tg.ReschedulePolicy == nil {
		tg.ReschedulePolicy = defaultReschedulePolicy(j.Type)
	}
	if tg.EphemeralDisk == nil {
		tg.EphemeralDisk = &EphemeralDisk{SizeMB: DefaultDiskMB}
	}
	if tg.Migrate == nil && j.Type == JobTypeService {
		tg.Migrate = &MigrateStrategy{MaxParallel: 1, HealthCheck: "checks", MinHealthyTime: 10 * time.Second, HealthyDeadline: 5 * time.Minute}
	}
	for _, t := range tg.Tasks {
		if t == nil {
			continue // Validate reports it
		}
		canonicalizePlacement(t.Affinities, nil)
		if t.Resources == nil {
			t.Resources = &Resources{}
		}
		if t.Resources.CPU == 0 && t.Resources.Cores == 0 {
			t.Resources.CPU = DefaultCPU
		}
		if t.Resources.MemoryMB == 0 {
			t.Resources.MemoryMB = DefaultMemoryMB
		}
		if t.KillTimeout == 0 {
			t.KillTimeout = 5 * time.Second
		}
		if t.LogConfig == nil {
			t.LogConfig = &LogConfig{MaxFiles: 10, MaxFileSizeMB: 10}
		}
	}
}

// DefaultUpdateStrategy is the update strategy of a service job's group
// that has no update block, as Nomad documents it.
func DefaultUpdateStrategy() *UpdateStrategy {
	return &UpdateStrategy{
		Stagger:          30 * time.Second,
		MaxParallel:      1,
		HealthCheck:      "checks",
		MinHealthyTime:   10 * time.Second,
		HealthyDeadline:  5 * time.Minute,
		ProgressDeadline: 10 * time.Minute,
	}
}

func defaultRestartPolicy(jobType string) *RestartPolicy {
	if jobType == JobTypeBatch || jobType == JobTypeSysBatch {
		return &RestartPolicy{Attempts: 3, Interval: 24 * time.Hour, Delay: 15 * time.Second, Mode: RestartPolicyModeFail}
	}
	return &RestartPolicy{Attempts: 2, Interval: 30 * time.Minute, Delay: 15 * time.Second, Mode: RestartPolicyModeFail}
}

func defaultReschedulePolicy(jobType string) *ReschedulePolicy {
	switch jobType {
	case JobTypeService:
		return &ReschedulePolicy{Delay: 30 * time.Second, DelayFunction: "exponential", MaxDelay: time.Hour, Unlimited: true}
	case JobTypeBatch:
		return &ReschedulePolicy{Attempts: 1, Interval: 24 * time.Hour, Delay: 5 * time.Second, DelayFunction: "constant"}
	}
	return nil
}

// Validate returns every problem in the job at once as a *ValidationError,
// each naming its field path, or nil. It enforces DefaultLimits.
func (j *Job) Validate() error { return j.ValidateWith(DefaultLimits()) }

// ValidateWith is Validate under the given limits (a server's configured
// ones); zero fields of l take their defaults.
func (j *Job) ValidateWith(l Limits) error {
	v := newValidator()
	if j == nil {
		v.fail("Job", "missing; the request body must be {\"Job\": {...}}")
		return v.err()
	}
	l = l.orDefaults()
	j.checkBounds(v, l)
	validateJobID(v, j.ID)
	if j.Name == "" && j.ID != "" {
		v.fail("Name", "required")
	}
	if strings.ContainsRune(j.Name, 0) {
		v.fail("Name", "must not contain a NUL byte")
	}
	switch j.Type {
	case JobTypeService, JobTypeBatch, JobTypeSystem, JobTypeSysBatch:
	case "":
		v.fail("Type", "required; accepted: \"service\", \"batch\", \"system\", \"sysbatch\"")
	default:
		v.fail("Type", "unknown type %q; accepted: \"service\", \"batch\", \"system\", \"sysbatch\"", j.Type)
	}
	if j.Priority < MinJobPriority || j.Priority > MaxJobPriority {
		v.fail("Priority", "must be between %d and %d, got %d", MinJobPriority, MaxJobPriority, j.Priority)
	}
	if len(j.Datacenters) == 0 {
		v.fail("Datacenters", "at least one datacenter is required (\"*\" matches all)")
	}
	for i, dc := range j.Datacenters {
		if dc == "" {
			v.fail(indexPath("Datacenters", i), "must not be empty")
		}
	}
	validatePlacementRules(v, j.Constraints, j.Affinities, j.Spreads)
	if len(j.TaskGroups) == 0 {
		v.fail("TaskGroups", "at least one task group is required")
	}
	groups := map[string]int{}
	placements := 0
	for i, tg := range j.TaskGroups {
		tv := v.index("TaskGroups", i)
		if tg == nil {
			continue // checkBounds reported it
		}
		if tg.Count > l.MaxGroupCount {
			tv.fail("Count", "must be at most %d (the server's job_max_group_count), got %d", l.MaxGroupCount, tg.Count)
		}
		if tg.Count > 0 && placements <= l.MaxPlacements {
			// Compared before adding, so that no sum of counts overflows.
			if tg.Count > l.MaxPlacements-placements {
				placements = l.MaxPlacements + 1
			} else {
				placements += tg.Count
			}
		}
		if prev, ok := groups[tg.Name]; ok && tg.Name != "" {
			tv.fail("Name", "duplicate group name %q (group %d has it too); each group of a job needs its own name", tg.Name, prev)
		}
		groups[tg.Name] = i
		tg.validate(tv, j)
	}
	if placements > l.MaxPlacements {
		v.fail("TaskGroups", "the counts of the groups add up to more than %d allocations (the server's job_max_placements); split the job", l.MaxPlacements)
	}
	if j.Type != JobTypeService && j.Type != "" && j.Update.Canary > 0 {
		v.fail("Update.Canary", "canaries are only supported for service jobs")
	}
	if j.Periodic != nil && j.Periodic.Enabled {
		if j.Type != JobTypeBatch && j.Type != JobTypeSysBatch {
			v.fail("Periodic", "only batch and sysbatch jobs may be periodic, this one is %q", j.Type)
		}
		if j.Periodic.Spec == "" && len(j.Periodic.Specs) == 0 {
			v.fail("Periodic.Spec", "required: a cron expression such as \"*/15 * * * *\"")
		}
		j.Periodic.validate(v.at("Periodic"))
	}
	if p := j.ParameterizedJob; p != nil {
		if j.Type != JobTypeBatch && j.Type != JobTypeSysBatch {
			v.fail("ParameterizedJob", "only batch and sysbatch jobs may be parameterized, this one is %q", j.Type)
		}
		switch p.Payload {
		case "", DispatchPayloadOptional, DispatchPayloadRequired, DispatchPayloadForbidden:
		default:
			v.fail("ParameterizedJob.Payload", "unknown value %q; accepted: \"optional\", \"required\", \"forbidden\"", p.Payload)
		}
	}
	j.validateBlocks(v) // job_validate_blocks.go
	return j.userErr(v.err())
}

func (tg *TaskGroup) validate(v validator, j *Job) {
	validateIdentifier(v, "Name", tg.Name)
	if tg.Count < 0 {
		v.fail("Count", "must be 0 or more, got %d", tg.Count)
	}
	if (j.Type == JobTypeSystem || j.Type == JobTypeSysBatch) && tg.Count > 1 {
		v.fail("Count", "a %s job runs one allocation per node; count must be 0 or 1, got %d", j.Type, tg.Count)
	}
	validatePlacementRules(v, tg.Constraints, tg.Affinities, tg.Spreads)
	if tg.RestartPolicy != nil {
		tg.RestartPolicy.validate(v.at("RestartPolicy"))
	}
	if tg.ReschedulePolicy != nil {
		tg.ReschedulePolicy.validate(v.at("ReschedulePolicy"))
	}
	if tg.Update != nil {
		tg.Update.validate(v.at("Update"))
		if tg.Update.Canary > 0 && j.Type != JobTypeService {
			v.fail("Update.Canary", "canaries are only supported for service jobs")
		}
	}
	if tg.EphemeralDisk != nil && tg.EphemeralDisk.SizeMB < 0 {
		v.fail("EphemeralDisk.SizeMB", "must be 0 or more, got %d", tg.EphemeralDisk.SizeMB)
	}
	if tg.ShutdownDelay != nil && *tg.ShutdownDelay < 0 {
		v.fail("ShutdownDelay", "must not be negative")
	}
	tg.validateDisconnect(v) // job_inherit.go
	tg.validateScaling(v, j)
	validateNetworks(v, tg.Networks)
	validateServices(v, tg.Services)
	tg.validateChecks(v) // job_validate_checks.go
	if len(tg.Tasks) == 0 {
		v.fail("Tasks", "at least one task is required")
	}
	tasks := map[string]int{}
	leaders := 0
	for i, t := range tg.Tasks {
		tv := v.index("Tasks", i)
		if t == nil {
			continue // checkBounds reported it
		}
		if prev, ok := tasks[t.Name]; ok && t.Name != "" {
			tv.fail("Name", "duplicate task name %q (task %d of the group has it too); each task of a group needs its own name", t.Name, prev)
		}
		tasks[t.Name] = i
		if t.Leader {
			leaders++
		}
		t.validate(tv, tg)
		validateTaskTimes(tv, j, t)
	}
	if leaders > 1 {
		v.fail("Tasks", "only one task may be the leader, %d are", leaders)
	}
}

func (t *Task) validate(v validator, tg *TaskGroup) {
	validateIdentifier(v, "Name", t.Name)
	if t.Driver == "" {
		v.fail("Driver", "required, for example \"docker\", \"oci\" or \"wasm\"")
	}
	if t.KillTimeout < 0 {
		v.fail("KillTimeout", "must not be negative")
	}
	if r := t.Resources; r != nil {
		rv := v.at("Resources")
		if r.CPU != 0 && r.Cores != 0 {
			rv.fail("Cores", "set either cpu or cores, not both")
		}
		if r.Cores < 0 {
			rv.fail("Cores", "must be 0 or more, got %d", r.Cores)
		}
		if r.Cores == 0 && r.CPU < MinCPU {
			rv.fail("CPU", "must be at least %d MHz, got %d", MinCPU, r.CPU)
		}
		if r.MemoryMB < MinMemoryMB {
			rv.fail("MemoryMB", "must be at least %d, got %d", MinMemoryMB, r.MemoryMB)
		}
		if r.MemoryMaxMB != 0 && r.MemoryMaxMB < r.MemoryMB {
			rv.fail("MemoryMaxMB", "must be at least memory (%d MB), got %d", r.MemoryMB, r.MemoryMaxMB)
		}
		if r.DiskMB < 0 {
			rv.fail("DiskMB", "must be 0 or more, got %d", r.DiskMB)
		}
		validateNetworks(rv, r.Networks)
	}
	if t.LogConfig != nil {
		if t.LogConfig.MaxFiles < 1 {
			v.fail("LogConfig.MaxFiles", "must be at least 1, got %d", t.LogConfig.MaxFiles)
		}
		if t.LogConfig.MaxFileSizeMB < 1 {
			v.fail("LogConfig.MaxFileSizeMB", "must be at least 1, got %d", t.LogConfig.MaxFileSizeMB)
		}
	}
	if t.RestartPolicy != nil {
		t.RestartPolicy.validate(v.at("RestartPolicy"))
	}
	validatePlacementRules(v, t.Constraints, t.Affinities, nil)
	validateServices(v, t.Services)
	if l := t.Lifecycle; l != nil {
		switch l.Hook {
		case TaskLifecycleHookPrestart, TaskLifecycleHookPoststart, TaskLifecycleHookPoststop:
		default:
			v.fail("Lifecycle.Hook", "unknown hook %q; accepted: \"prestart\", \"poststart\", \"poststop\"", l.Hook)
		}
	}
	for i, a := range t.Artifacts {
		if a == nil {
			continue
		}
		av := v.index("Artifacts", i)
		if a.GetterSource == "" {
			av.fail("GetterSource", "required")
		}
		validateRelativePath(av, "RelativeDest", a.RelativeDest)
	}
	for i, tmpl := range t.Templates {
		if tmpl == nil {
			continue
		}
		tv := v.index("Templates", i)
		if tmpl.DestPath == "" {
			tv.fail("DestPath", "required")
		}
		validateRelativePath(tv, "DestPath", tmpl.DestPath)
		if tmpl.SourcePath == "" && tmpl.EmbeddedTmpl == "" {
			tv.fail("", "one of source (a file in the task directory) or data (the template inline) is required")
		}
	}
	for i, m := range t.VolumeMounts {
		if m == nil {
			continue
		}
		if _, ok := tg.Volumes[m.Volume]; !ok {
			v.index("VolumeMounts", i).fail("Volume", "the group has no volume %q; declare it with a volume %q { } block in the group", m.Volume, m.Volume)
		}
	}
}

// validatePlacementRules validates constraints, affinities and spreads,
// skipping the null entries checkBounds reports.
func validatePlacementRules(v validator, cs []*Constraint, as []*Affinity, ss []*Spread) {
	for i, c := range cs {
		if c != nil {
			c.validate(v.index("Constraints", i))
		}
	}
	for i, a := range as {
		if a != nil {
			a.validate(v.index("Affinities", i))
		}
	}
	for i, s := range ss {
		if s != nil {
			s.validate(v.index("Spreads", i))
		}
	}
}

func validateServices(v validator, services []*Service) {
	for i, s := range services {
		if s != nil {
			s.validate(v.index("Services", i))
		}
	}
}

func validateNetworks(v validator, networks []*NetworkResource) {
	labels := map[string]bool{}
	static := map[int]bool{}
	for i, n := range networks {
		if n == nil {
			continue
		}
		nv := v.index("Networks", i)
		switch n.Mode {
		case "", "host", "bridge", "none":
		default:
			if !strings.HasPrefix(n.Mode, "cni/") {
				nv.fail("Mode", "unknown mode %q; accepted: \"host\", \"bridge\", \"none\", \"cni/<name>\"", n.Mode)
			}
		}
		for kind, ports := range map[string][]Port{"ReservedPorts": n.ReservedPorts, "DynamicPorts": n.DynamicPorts} {
			for j, p := range ports {
				pv := nv.index(kind, j)
				if p.Label == "" {
					pv.fail("Label", "required")
				} else if labels[p.Label] {
					pv.fail("Label", "duplicate port label %q", p.Label)
				}
				labels[p.Label] = true
				if p.Value < 0 || p.Value > MaxValidPort {
					pv.fail("Value", "must be between 0 and %d, got %d", MaxValidPort, p.Value)
				}
				if p.To < -1 || p.To > MaxValidPort {
					pv.fail("To", "must be between -1 and %d, got %d", MaxValidPort, p.To)
				}
				if kind == "ReservedPorts" && p.Value > 0 {
					if static[p.Value] {
						pv.fail("Value", "static port %d is used twice", p.Value)
					}
					static[p.Value] = true
				}
			}
		}
	}
}

func validateIdentifier(v validator, field, value string) {
	switch {
	case value == "":
		v.fail(field, "required")
	case len(value) > maxIdentifierLength:
		v.fail(field, "must be at most %d characters, got %d", maxIdentifierLength, len(value))
	case !validIdentifier.MatchString(value):
		v.fail(field, "%q may contain only letters, digits, '_', '-' and '.'", value)
	}
}

// validateJobID is validateIdentifier for job IDs, which may contain "/"
// but not start or end with one, nor hold an empty or dot segment.
func validateJobID(v validator, id string) {
	switch {
	case id == "":
		v.fail("ID", "required")
	case len(id) > maxIdentifierLength:
		v.fail("ID", "must be at most %d characters, got %d", maxIdentifierLength, len(id))
	case !validJobID.MatchString(id):
		v.fail("ID", "%q may contain only letters, digits, '_', '-', '.' and '/'", id)
	default:
		for _, seg := range strings.Split(id, "/") {
			if seg == "" || seg == "." || seg == ".." {
				v.fail("ID", "%q must not start or end with '/' or hold an empty, \".\" or \"..\" segment", id)
				return
			}
		}
	}
}

// validateRelativePath checks a template's or an artifact's destination
// (or a template's source), which is relative to the task directory. As in
// Nomad, it may lead out of the task directory into the allocation
// directory that holds it: "../alloc/data" is the directory every task of
// the allocation shares. Only a path that leaves the allocation directory
// is refused, since the client would have to write outside it. Runtime
// references such as ${NOMAD_ALLOC_DIR} are left for the client, which
// applies the same rule once they are filled in.
func validateRelativePath(v validator, field, p string) {
	if p == "" {
		return
	}
	if strings.HasPrefix(p, "/") {
		v.fail(field, "%q is absolute; write it relative to the task directory, such as \"local/app.conf\", "+
			"or into the allocation directory as \"../alloc/app.conf\"", p)
		return
	}
	// depth counts levels below the allocation directory, the task
	// directory being one; a path whose ".." steps climb above the
	// allocation directory at any point leaves it.
	depth := 1
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "", ".":
		case "..":
			depth--
		default:
			depth++
		}
		if depth < 0 {
			v.fail(field, "%q leaves the allocation directory; use a path inside it, such as \"local/x\" in the task directory "+
				"or \"../alloc/x\" in the directory the allocation's tasks share", p)
			return
		}
	}
}

func indexPath(field string, i int) string {
	return field + "[" + itoa(i) + "]"
}
