package nomadish

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// encodeEntry encodes msg as a Raft entry of type t and proves, before
// anything reaches Raft, that every server's FSM will be able to decode
// it: the body is decoded again into a fresh value of msg's type (the
// type the FSM decodes it into). An entry that encodes but does not decode
// (most often free-form data, a task Config, nested past the codec's
// depth limit) would otherwise be committed on every server and applied
// on none. A request too deeply nested is the user's mistake and comes
// back as a validation error naming the field; any other decode failure
// is a bug and comes back as an internal error.
func encodeEntry(t structs.MessageType, msg interface{}) ([]byte, error) {
	buf, err := structs.Encode(t, msg)
	if err != nil {
		return nil, fmt.Errorf("raft apply %s: %w", t, err)
	}
	if nestingBounded(msg) {
		return buf, nil
	}
	if err := structs.Decode(buf[1:], freshValue(msg)); err != nil {
		return nil, undecodableEntry(t, msg, err)
	}
	return buf, nil
}

// jobFieldsUnset leaves out the fields that hold a job, for messages
// whose jobs were checked to be unset.
func jobFieldsUnset(f reflect.StructField) bool { return f.Type == reflect.TypeOf((*structs.Job)(nil)) }

var (
	// allocUpdateDepth bounds the nesting of an AllocUpdateRequest none of
	// whose allocations carries a job: a client's report, which
	// Node.UpdateAlloc builds from an allocation's client fields only.
	allocUpdateDepth, allocUpdateBounded = structs.TypeDepthBound(reflect.TypeOf(structs.AllocUpdateRequest{}), jobFieldsUnset)
)

// typeBounded caches, by message type, whether every value of the type
// nests less deeply than the codec decodes (structs.TypeDepthBound).
var typeBounded sync.Map // reflect.Type -> bool

// nestingBounded tells whether msg cannot nest past what the codec decodes,
// whatever it holds, so that decoding it again would prove nothing: a
// message whose type holds no free-form data (node registrations,
// evaluations, status changes), or a client's status report, on the hot
// path, which carries no job (the round trip costs about 6 µs an
// allocation there). Other messages are decoded again.
func nestingBounded(msg interface{}) bool {
	typ := reflect.TypeOf(msg)
	if typ == nil {
		return false
	}
	bounded, ok := typeBounded.Load(typ)
	if !ok {
		d, b := structs.TypeDepthBound(typ, nil)
		bounded = b && d <= structs.MaxDecodeDepth
		typeBounded.Store(typ, bounded)
	}
	if bounded.(bool) {
		return true
	}
	req, ok := msg.(*structs.AllocUpdateRequest)
	if !ok || req.Job != nil || !allocUpdateBounded || allocUpdateDepth > structs.MaxDecodeDepth {
		return false
	}
	for _, a := range req.Alloc {
		if a != nil && a.Job != nil {
			return false
		}
	}
	return true
}

// freshValue is a pointer to a new zero value of msg's type (of what msg
// points to, when it is a pointer).
func freshValue(msg interface{}) interface{} {
	typ := reflect.TypeOf(msg)
	if typ == nil {
		var v interface{}
		return &v
	}
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	return reflect.New(typ).Interface()
}

// undecodableEntry explains why msg, of type t, did not decode.
func undecodableEntry(t structs.MessageType, msg interface{}, err error) error {
	path, _, allowed, found := structs.TooDeepField(msg)
	if !found {
		return fmt.Errorf("raft apply %s: the entry would not decode on the other servers, so it was not sent: %w", t, err)
	}
	noun := "request"
	if strings.HasPrefix(path, "Job.") {
		noun = "job"
		path = strings.TrimPrefix(path, "Job.")
	}
	return invalid(path, "%s is nested too deeply to store: this value nests more than %d levels of maps and lists, the most that fit here in a Raft entry; flatten it",
		noun, allowed)
}

// encodePlanResults encodes plan results as a Raft entry, refusing one
// that would not decode on the servers (checkPlanResults).
func encodePlanResults(req *structs.ApplyPlanResultsRequest) ([]byte, error) {
	if err := checkPlanResults(req); err != nil {
		return nil, err
	}
	return structs.Encode(structs.ApplyPlanResultsRequestType, req)
}

// checkPlanResults gives plan results encodeEntry's guarantee without
// decoding them again, which on the plan applier's hot path would cost as
// much as the FSM's own decode. The nesting of every other part of the
// entry is fixed by its types; only task Configs nest freely
// (TestPlanResultsFreeFormFieldsAreTaskConfigs keeps it so), so it is
// enough to walk each distinct job the entry carries once. A job stored by
// an older version, before such jobs were refused, is caught here rather
// than committed as an entry no server can apply.
func checkPlanResults(req *structs.ApplyPlanResultsRequest) error {
	var seen map[*structs.Job]bool
	check := func(j *structs.Job, limit int) error {
		if j == nil || seen[j] {
			return nil
		}
		if seen == nil {
			seen = map[*structs.Job]bool{}
		}
		seen[j] = true
		if path, _, found := j.TaskConfigTooDeep(limit); found {
			return fmt.Errorf("raft apply %s: job %q is nested too deeply to store: %s nests more than %d levels of maps and lists",
				structs.ApplyPlanResultsRequestType, j.ID, path, limit)
		}
		return nil
	}
	// The allocations' own jobs sit deeper than the request's: check
	// them first, so that a job both carry is held to the tighter limit.
	for _, list := range [][]*structs.Allocation{req.Allocs, req.AllocsStopped, req.AllocsPreempted} {
		for _, a := range list {
			if a == nil {
				continue
			}
			if err := check(a.Job, structs.MaxPlanAllocConfigDepth); err != nil {
				return fmt.Errorf("allocation %s: %w", a.ID, err)
			}
		}
	}
	return check(req.Job, structs.MaxPlanJobConfigDepth)
}
