package nomadish

import (
	"fmt"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// applyServiceRegistration applies the service registration entries
// (service_endpoint.go writes them). The endpoint has checked who may
// write them; the FSM only refuses a corrupt entry.
func (f *FSM) applyServiceRegistration(t structs.MessageType, buf []byte, index uint64) error {
	st := f.State()
	switch t {
	case structs.ServiceRegistrationUpsertRequestType:
		var req structs.ServiceRegistrationUpsertRequest
		if err := structs.Decode(buf, &req); err != nil {
			return err
		}
		if err := checkNoNull("Services", req.Services); err != nil {
			return err
		}
		return st.UpsertServiceRegistrations(index, req.Services)
	case structs.ServiceRegistrationDeleteByAllocRequestType:
		var req structs.ServiceRegistrationDeleteByAllocRequest
		if err := structs.Decode(buf, &req); err != nil {
			return err
		}
		return st.DeleteServiceRegistrationsByAlloc(index, req.AllocID)
	case structs.ServiceRegistrationDeleteByIDRequestType:
		var req structs.ServiceRegistrationDeleteByIDRequest
		if err := structs.Decode(buf, &req); err != nil {
			return err
		}
		return st.DeleteServiceRegistrationByID(index, req.RequestNamespace(), req.ID)
	}
	return fmt.Errorf("unknown service registration message type %d", uint8(t))
}
