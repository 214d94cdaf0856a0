package taskenv

import (
	"sort"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Environment variable names and prefixes, as Nomad documents them.
const (
	AllocDir        = "NOMAD_ALLOC_DIR"
	TaskLocalDir    = "NOMAD_TASK_DIR"
	SecretsDir      = "NOMAD_SECRETS_DIR"
	MemLimit        = "NOMAD_MEMORY_LIMIT"
	MemMaxLimit     = "NOMAD_MEMORY_MAX_LIMIT"
	CpuLimit        = "NOMAD_CPU_LIMIT"
	CpuCores        = "NOMAD_CPU_CORES"
	AllocID         = "NOMAD_ALLOC_ID"
	ShortAllocID    = "NOMAD_SHORT_ALLOC_ID"
	AllocName       = "NOMAD_ALLOC_NAME"
	AllocIndex      = "NOMAD_ALLOC_INDEX"
	TaskName        = "NOMAD_TASK_NAME"
	GroupName       = "NOMAD_GROUP_NAME"
	JobID           = "NOMAD_JOB_ID"
	JobName         = "NOMAD_JOB_NAME"
	JobParentID     = "NOMAD_JOB_PARENT_ID"
	Namespace       = "NOMAD_NAMESPACE"
	Region          = "NOMAD_REGION"
	Datacenter      = "NOMAD_DC"
	MetaPrefix      = "NOMAD_META_"
	IPPrefix        = "NOMAD_IP_"
	PortPrefix      = "NOMAD_PORT_"
	AddrPrefix      = "NOMAD_ADDR_"
	HostIPPrefix    = "NOMAD_HOST_IP_"
	HostPortPrefix  = "NOMAD_HOST_PORT_"
	HostAddrPrefix  = "NOMAD_HOST_ADDR_"
	AllocPortPrefix = "NOMAD_ALLOC_PORT_"
)

// Paths inside the task when the driver isolates its filesystem.
const (
	isolatedAllocDir   = "/alloc"
	isolatedLocalDir   = "/local"
	isolatedSecretsDir = "/secrets"
)

// Params is what a task's environment is built from.
type Params struct {
	Node   *structs.Node
	Alloc  *structs.Allocation
	Task   *structs.Task
	Region string
	// TaskDir is the task's directories as host paths.
	TaskDir plugin.TaskDir
	// FSIsolation is the driver's capability: "none" (or empty) means the
	// task sees host paths; anything else means /alloc, /local, /secrets.
	FSIsolation string
}

// Env is a task's environment and the node values interpolation knows.
// It is immutable once built.
type Env struct {
	env  map[string]string // NOMAD_* and the task's env block
	node map[string]string // attr.*, meta.*, node.*
}

// New builds the task's environment.
func New(p Params) *Env {
	e := &Env{env: map[string]string{}, node: nodeValues(p.Node, p.Region)}
	e.addDirs(p)
	e.addIdentity(p)
	e.addResources(p)
	e.addMeta(p)
	e.addPorts(p)
	// The task's env block, interpolated against what is built so far;
	// it may override a NOMAD_* variable.
	if p.Task != nil {
		base := &Env{env: e.Map(), node: e.node}
		for k, v := range p.Task.Env {
			e.env[k] = base.Replace(v)
		}
	}
	return e
}

// Map returns a copy of the environment.
func (e *Env) Map() map[string]string {
	out := make(map[string]string, len(e.env))
	for k, v := range e.env {
		out[k] = v
	}
	return out
}

// With returns a copy of e with extra variables added (overriding any of
// the same name), e.g. from a template with env = true. The extra values
// are taken as they are, not interpolated.
func (e *Env) With(extra map[string]string) *Env {
	out := &Env{env: e.Map(), node: e.node}
	for k, v := range extra {
		out.env[k] = v
	}
	return out
}

func (e *Env) addDirs(p Params) {
	if p.FSIsolation == "" || p.FSIsolation == "none" {
		setIf(e.env, AllocDir, p.TaskDir.SharedAllocDir)
		setIf(e.env, TaskLocalDir, p.TaskDir.LocalDir)
		setIf(e.env, SecretsDir, p.TaskDir.SecretsDir)
		return
	}
	e.env[AllocDir] = isolatedAllocDir
	e.env[TaskLocalDir] = isolatedLocalDir
	e.env[SecretsDir] = isolatedSecretsDir
}

func (e *Env) addIdentity(p Params) {
	if p.Task != nil {
		e.env[TaskName] = p.Task.Name
	}
	region := p.Region
	if a := p.Alloc; a != nil {
		e.env[AllocID] = a.ID
		short := a.ID
		if len(short) > 8 {
			short = short[:8]
		}
		e.env[ShortAllocID] = short
		e.env[AllocName] = a.Name
		e.env[AllocIndex] = strconv.Itoa(allocIndex(a.Name))
		e.env[GroupName] = a.TaskGroup
		e.env[JobID] = a.JobID
		e.env[Namespace] = a.Namespace
		if j := a.Job; j != nil {
			e.env[JobName] = j.Name
			setIf(e.env, JobParentID, j.ParentID)
			if e.env[Namespace] == "" {
				e.env[Namespace] = j.Namespace
			}
			if region == "" {
				region = j.Region
			}
		}
	}
	setIf(e.env, Region, region)
	if p.Node != nil {
		setIf(e.env, Datacenter, p.Node.Datacenter)
	}
}

// allocIndex parses the index out of an allocation name "job.group[3]";
// 0 when the name has none, as Nomad does.
func allocIndex(name string) int {
	if !strings.HasSuffix(name, "]") {
		return 0
	}
	i := strings.LastIndexByte(name, '[')
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(name[i+1 : len(name)-1])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (e *Env) addResources(p Params) {
	var cpu, mem, memMax int64
	var cores []uint16
	var tr *structs.AllocatedTaskResources
	if p.Alloc != nil && p.Alloc.AllocatedResources != nil && p.Task != nil {
		tr = p.Alloc.AllocatedResources.Tasks[p.Task.Name]
	}
	switch {
	case tr != nil:
		cpu, mem, memMax = tr.Cpu.CpuShares, tr.Memory.MemoryMB, tr.Memory.MemoryMaxMB
		cores = tr.Cpu.ReservedCores
	case p.Task != nil && p.Task.Resources != nil:
		r := p.Task.Resources
		cpu, mem, memMax = int64(r.CPU), int64(r.MemoryMB), int64(r.MemoryMaxMB)
	default:
		return
	}
	e.env[CpuLimit] = strconv.FormatInt(cpu, 10)
	e.env[MemLimit] = strconv.FormatInt(mem, 10)
	if memMax > 0 {
		e.env[MemMaxLimit] = strconv.FormatInt(memMax, 10)
	}
	if len(cores) > 0 {
		e.env[CpuCores] = cpuset(cores)
	}
}

// cpuset formats cores in cpuset list notation: "0-2,7,12-14".
func cpuset(cores []uint16) string {
	cs := append([]uint16(nil), cores...)
	sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
	var parts []string
	for i := 0; i < len(cs); {
		j := i
		for j+1 < len(cs) && cs[j+1] <= cs[j]+1 {
			j++
		}
		if cs[i] == cs[j] {
			parts = append(parts, strconv.Itoa(int(cs[i])))
		} else {
			parts = append(parts, strconv.Itoa(int(cs[i]))+"-"+strconv.Itoa(int(cs[j])))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// addMeta sets NOMAD_META_<key> and NOMAD_META_<KEY> from the job's,
// group's and task's meta, the more specific winning.
func (e *Env) addMeta(p Params) {
	meta := map[string]string{}
	if p.Alloc != nil && p.Alloc.Job != nil {
		for k, v := range p.Alloc.Job.Meta {
			meta[k] = v
		}
		if tg := p.Alloc.Job.LookupTaskGroup(p.Alloc.TaskGroup); tg != nil {
			for k, v := range tg.Meta {
				meta[k] = v
			}
		}
	}
	if p.Task != nil {
		for k, v := range p.Task.Meta {
			meta[k] = v
		}
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	// Upper-case names first, so that an exact-case key wins over the
	// upper-cased form of another ("a" and "A").
	sort.Strings(keys)
	for _, k := range keys {
		e.env[cleanName(MetaPrefix+strings.ToUpper(k))] = meta[k]
	}
	for _, k := range keys {
		e.env[cleanName(MetaPrefix+k)] = meta[k]
	}
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// cleanName replaces characters that are not valid in an environment
// variable name (a port label or meta key with "-", say) with "_".
func cleanName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}
