package nomadish

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// applyNodePool applies the node pool entries (node_pool_endpoint.go and
// the replication loop write them).
func (f *FSM) applyNodePool(t structs.MessageType, buf []byte, index uint64) error {
	st := f.State()
	switch t {
	case structs.NodePoolUpsertRequestType:
		var req structs.NodePoolUpsertRequest
		if err := structs.Decode(buf, &req); err != nil {
			return err
		}
		if err := checkNoNull("NodePools", req.NodePools); err != nil {
			return err
		}
		return st.UpsertNodePools(index, req.NodePools, req.Replicated)
	case structs.NodePoolDeleteRequestType:
		var req structs.NodePoolDeleteRequest
		if err := structs.Decode(buf, &req); err != nil {
			return err
		}
		return st.DeleteNodePools(index, req.Names)
	}
	return fmt.Errorf("unknown node pool message type %d", uint8(t))
}
