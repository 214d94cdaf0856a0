package structs

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

// MessageType is the first byte of every Raft log entry and names the
// request that follows it in msgpack. Values are stored in logs and
// snapshots forever: append, never renumber.
type MessageType uint8

const (
	NodeRegisterRequestType MessageType = iota
	NodeDeregisterRequestType
	NodeUpdateStatusRequestType
	JobRegisterRequestType
	JobDeregisterRequestType
	EvalUpdateRequestType
	EvalDeleteRequestType
	AllocUpdateRequestType
	AllocClientUpdateRequestType
	DeploymentUpsertRequestType
	NodeUpdateStatusEvalsRequestType
	NodeUpdateEligibilityRequestType
	NodeUpdateDrainRequestType
	ApplyPlanResultsRequestType
	AllocUpdateDesiredTransitionRequestType
	DeploymentProgressRequestType
	ServiceRegistrationUpsertRequestType
	ServiceRegistrationDeleteByAllocRequestType
	ServiceRegistrationDeleteByIDRequestType
	DeploymentAllocHealthRequestType
	NodePoolUpsertRequestType
	NodePoolDeleteRequestType
)

// IgnoreUnknownTypeFlag set on a MessageType lets an older server skip an
// entry it does not understand instead of halting.
const IgnoreUnknownTypeFlag MessageType = 128

func (t MessageType) String() string {
	switch t &^ IgnoreUnknownTypeFlag {
	case NodeRegisterRequestType:
		return "NodeRegister"
	case NodeDeregisterRequestType:
		return "NodeDeregister"
	case NodeUpdateStatusRequestType:
		return "NodeUpdateStatus"
	case JobRegisterRequestType:
		return "JobRegister"
	case JobDeregisterRequestType:
		return "JobDeregister"
	case EvalUpdateRequestType:
		return "EvalUpdate"
	case EvalDeleteRequestType:
		return "EvalDelete"
	case AllocUpdateRequestType:
		return "AllocUpdate"
	case AllocClientUpdateRequestType:
		return "AllocClientUpdate"
	case DeploymentUpsertRequestType:
		return "DeploymentUpsert"
	case NodeUpdateStatusEvalsRequestType:
		return "NodeUpdateStatusEvals"
	case NodeUpdateEligibilityRequestType:
		return "NodeUpdateEligibility"
	case NodeUpdateDrainRequestType:
		return "NodeUpdateDrain"
	case ApplyPlanResultsRequestType:
		return "ApplyPlanResults"
	case AllocUpdateDesiredTransitionRequestType:
		return "AllocUpdateDesiredTransition"
	case DeploymentProgressRequestType:
		return "DeploymentProgress"
	case ServiceRegistrationUpsertRequestType:
		return "ServiceRegistrationUpsert"
	case ServiceRegistrationDeleteByAllocRequestType:
		return "ServiceRegistrationDeleteByAlloc"
	case ServiceRegistrationDeleteByIDRequestType:
		return "ServiceRegistrationDeleteByID"
	case DeploymentAllocHealthRequestType:
		return "DeploymentAllocHealth"
	case NodePoolUpsertRequestType:
		return "NodePoolUpsert"
	case NodePoolDeleteRequestType:
		return "NodePoolDelete"
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

// MsgpackHandle is the codec configuration used for Raft entries,
// snapshots and RPC alike.
var MsgpackHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.RawToString = true
	h.MapType = reflect.TypeOf(map[string]interface{}(nil))
	return h
}()

// Encode writes a message type byte followed by msg in msgpack.
func Encode(t MessageType, msg interface{}) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(uint8(t))
	if err := codec.NewEncoder(&buf, MsgpackHandle).Encode(msg); err != nil {
		return nil, fmt.Errorf("encode %s: %w", t, err)
	}
	return buf.Bytes(), nil
}

// Decode reads msgpack into out.
func Decode(buf []byte, out interface{}) error {
	return codec.NewDecoderBytes(buf, MsgpackHandle).Decode(out)
}

// mustCopy deep-copies in into out through msgpack; both must be of the
// same type. It is used by the Copy methods, which must never share maps
// or slices with the state store's objects.
func mustCopy(in, out interface{}) {
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, MsgpackHandle).Encode(in); err != nil {
		panic(fmt.Sprintf("copy %T: %v", in, err))
	}
	if err := codec.NewDecoderBytes(buf, MsgpackHandle).Decode(out); err != nil {
		panic(fmt.Sprintf("copy %T: %v", in, err))
	}
}

// AllocUpdateDesiredTransitionRequest sets the desired transition of
// allocations, keyed by allocation ID, and writes evaluations in the same
// entry so that the scheduler acts on them.
type AllocUpdateDesiredTransitionRequest struct {
	Allocs map[string]*DesiredTransition
	Evals  []*Evaluation
}
