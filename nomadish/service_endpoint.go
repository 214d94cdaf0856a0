package nomadish

import (
	"errors"
	"fmt"
	"sort"

	"github.com/hashicorp/go-hclog"
	memdb "github.com/hashicorp/go-memdb"
	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// ServiceRegistration serves native service discovery: clients register
// and remove the service instances of their own allocations (each call
// carries the node's secret, and a node can touch only its own
// allocations' instances), users read them and remove one by hand.
type ServiceRegistration struct {
	srv    *Server
	logger hclog.Logger
}

// ErrServiceRegistrationNotFound is a DELETE of an instance that is not
// registered.
var ErrServiceRegistrationNotFound = fmt.Errorf("service registration %w", structs.ErrNotFound)

// Upsert registers or updates service instances. Every instance must
// belong to an allocation placed on the node whose secret the request
// carries, and an allocation may hold at most
// structs.MaxServiceRegistrationsPerAlloc instances.
func (s *ServiceRegistration) Upsert(args *structs.ServiceRegistrationUpsertRequest, reply *structs.GenericResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.Upsert", args, args, reply); done {
		return err
	}
	if len(args.Services) == 0 {
		return invalid("Services", "at least one service registration is required")
	}
	var problems []structs.FieldError
	for i, r := range args.Services {
		problems = append(problems, r.Validate(fmt.Sprintf("Services[%d]", i))...)
	}
	if len(problems) > 0 {
		return &structs.ValidationError{Problems: problems}
	}
	st := s.srv.State()
	nodeID := args.Services[0].NodeID
	for i, r := range args.Services {
		if r.NodeID != nodeID {
			return invalid(fmt.Sprintf("Services[%d].NodeID", i), "%q differs from Services[0].NodeID %q; one request registers the services of one node", r.NodeID, nodeID)
		}
	}
	node, err := st.NodeByID(nil, nodeID)
	if err != nil {
		return fmt.Errorf("register services: %w", err)
	}
	if node == nil {
		return fmt.Errorf("register services of node %s: node %w", nodeID, structs.ErrNotFound)
	}
	if err := checkNodeSecret(node, args.SecretID); err != nil {
		return fmt.Errorf("register services: %w", err)
	}
	// New IDs per allocation, counted against what it already holds.
	added := map[string]map[string]bool{}
	for i, r := range args.Services {
		alloc, err := st.AllocByID(nil, r.AllocID)
		if err != nil {
			return fmt.Errorf("register services: %w", err)
		}
		if alloc == nil {
			return fmt.Errorf("register service %q: allocation %s %w", r.ServiceName, r.AllocID, structs.ErrNotFound)
		}
		if alloc.NodeID != nodeID {
			return fmt.Errorf("register service %q of allocation %s: the allocation runs on another node: %w", r.ServiceName, r.AllocID, ErrNodeSecretMismatch)
		}
		if alloc.Namespace != r.Namespace || alloc.JobID != r.JobID {
			return invalid(fmt.Sprintf("Services[%d]", i), "namespace %q and job %q differ from allocation %s's (%q, %q)", r.Namespace, r.JobID, r.AllocID, alloc.Namespace, alloc.JobID)
		}
		if added[r.AllocID] == nil {
			added[r.AllocID] = map[string]bool{}
			existing, err := st.ServiceRegistrationsByAlloc(nil, r.AllocID)
			if err != nil {
				return fmt.Errorf("register services: %w", err)
			}
			for _, e := range existing {
				added[r.AllocID][e.ID] = true
			}
		}
		added[r.AllocID][r.ID] = true
		if n := len(added[r.AllocID]); n > structs.MaxServiceRegistrationsPerAlloc {
			return invalid("Services", "allocation %s would hold %d service registrations; at most %d are accepted", r.AllocID, n, structs.MaxServiceRegistrationsPerAlloc)
		}
	}
	entry := *args
	entry.SecretID = ""
	_, index, err := s.srv.raftApply(structs.ServiceRegistrationUpsertRequestType, &entry)
	if err != nil {
		return err
	}
	reply.Index = index
	return nil
}

// DeleteByAllocID removes every instance of one allocation; the client
// of the allocation's node calls it when the allocation stops. An
// allocation with no instances (or one already collected) is not an
// error.
func (s *ServiceRegistration) DeleteByAllocID(args *structs.ServiceRegistrationDeleteByAllocRequest, reply *structs.GenericResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.DeleteByAllocID", args, args, reply); done {
		return err
	}
	if args.AllocID == "" {
		return invalid("AllocID", "required")
	}
	st := s.srv.State()
	regs, err := st.ServiceRegistrationsByAlloc(nil, args.AllocID)
	if err != nil {
		return fmt.Errorf("remove services of allocation %s: %w", args.AllocID, err)
	}
	if len(regs) == 0 {
		return nil
	}
	// The node the instances were registered by decides, which is the
	// allocation's node (Upsert checked it).
	node, err := st.NodeByID(nil, regs[0].NodeID)
	if err != nil {
		return fmt.Errorf("remove services of allocation %s: %w", args.AllocID, err)
	}
	if node == nil {
		return fmt.Errorf("remove services of allocation %s: node %s %w", args.AllocID, regs[0].NodeID, structs.ErrNotFound)
	}
	if err := checkNodeSecret(node, args.SecretID); err != nil {
		return fmt.Errorf("remove services of allocation %s: %w", args.AllocID, err)
	}
	entry := *args
	entry.SecretID = ""
	_, index, err := s.srv.raftApply(structs.ServiceRegistrationDeleteByAllocRequestType, &entry)
	if err != nil {
		return err
	}
	reply.Index = index
	return nil
}

// DeleteByID removes one instance of the request's namespace by ID (a
// user's DELETE /v1/service/:name/:id).
func (s *ServiceRegistration) DeleteByID(args *structs.ServiceRegistrationDeleteByIDRequest, reply *structs.GenericResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.DeleteByID", args, args, reply); done {
		return err
	}
	if args.ID == "" {
		return invalid("ID", "required: the ID of a service registration, as `service info -verbose` shows it")
	}
	reg, err := s.srv.State().ServiceRegistrationByID(nil, args.ID)
	if err != nil {
		return fmt.Errorf("remove service registration %q: %w", args.ID, err)
	}
	if reg == nil || reg.Namespace != args.RequestNamespace() {
		return fmt.Errorf("%w: %q in namespace %q", ErrServiceRegistrationNotFound, args.ID, args.RequestNamespace())
	}
	_, index, err := s.srv.raftApply(structs.ServiceRegistrationDeleteByIDRequestType, args)
	if err != nil {
		if errors.Is(err, structs.ErrNotFound) {
			return fmt.Errorf("%w: %q in namespace %q", ErrServiceRegistrationNotFound, args.ID, args.RequestNamespace())
		}
		return err
	}
	reply.Index = index
	return nil
}

// List lists the services of a namespace ("*": every namespace), each
// once with the union of its instances' tags, ordered by namespace and
// name.
func (s *ServiceRegistration) List(args *structs.ServiceRegistrationListRequest, reply *structs.ServiceRegistrationListResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.List", args, args, reply); done {
		return err
	}
	return s.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			var it memdb.ResultIterator
			var err error
			if args.Namespace == "*" {
				it, err = st.ServiceRegistrations(ws)
			} else {
				it, err = st.ServiceRegistrationsByNamespace(ws, args.RequestNamespace())
			}
			if err != nil {
				return err
			}
			reply.Services = listServiceStubs(it)
			return setTableIndex(st, &reply.QueryMeta, "services")
		},
	})
}

// listServiceStubs folds instances into one stub per namespace and name.
func listServiceStubs(it memdb.ResultIterator) []*structs.ServiceRegistrationListStub {
	type key struct{ ns, name string }
	tags := map[key]map[string]bool{}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := raw.(*structs.ServiceRegistration)
		k := key{r.Namespace, r.ServiceName}
		if tags[k] == nil {
			tags[k] = map[string]bool{}
		}
		for _, t := range r.Tags {
			tags[k][t] = true
		}
	}
	byNS := map[string]*structs.ServiceRegistrationListStub{}
	out := []*structs.ServiceRegistrationListStub{}
	for k, ts := range tags {
		ns := byNS[k.ns]
		if ns == nil {
			ns = &structs.ServiceRegistrationListStub{Namespace: k.ns}
			byNS[k.ns] = ns
			out = append(out, ns)
		}
		stub := &structs.ServiceRegistrationStub{ServiceName: k.name, Tags: []string{}}
		for t := range ts {
			stub.Tags = append(stub.Tags, t)
		}
		sort.Strings(stub.Tags)
		ns.Services = append(ns.Services, stub)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	for _, ns := range out {
		sort.Slice(ns.Services, func(i, j int) bool { return ns.Services[i].ServiceName < ns.Services[j].ServiceName })
	}
	return out
}

// GetService returns the instances of one service of the request's
// namespace, ordered by ID; none is an empty list, not an error.
func (s *ServiceRegistration) GetService(args *structs.ServiceRegistrationByNameRequest, reply *structs.ServiceRegistrationByNameResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.GetService", args, args, reply); done {
		return err
	}
	if args.ServiceName == "" {
		return invalid("ServiceName", "required")
	}
	return s.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			regs, err := st.ServiceRegistrationsByName(ws, args.RequestNamespace(), args.ServiceName)
			if err != nil {
				return err
			}
			if regs == nil {
				regs = []*structs.ServiceRegistration{}
			}
			reply.Services = regs
			return setTableIndex(st, &reply.QueryMeta, "services")
		},
	})
}

// ListBalanced returns every instance, of every namespace, whose service
// has an lb block: what the client agents' load balancers follow. It is a
// blocking query on the services table.
func (s *ServiceRegistration) ListBalanced(args *structs.ServiceRegistrationListRequest, reply *structs.ServiceRegistrationByNameResponse) error {
	if done, err := s.srv.forward("ServiceRegistration.ListBalanced", args, args, reply); done {
		return err
	}
	return s.srv.blockingRPC(&blockingOptions{
		queryOpts: &args.QueryOptions,
		queryMeta: &reply.QueryMeta,
		run: func(ws memdb.WatchSet, st *state.StateStore) error {
			it, err := st.ServiceRegistrations(ws)
			if err != nil {
				return err
			}
			reply.Services = []*structs.ServiceRegistration{}
			for raw := it.Next(); raw != nil; raw = it.Next() {
				if r := raw.(*structs.ServiceRegistration); r.LB != nil {
					reply.Services = append(reply.Services, r)
				}
			}
			return setTableIndex(st, &reply.QueryMeta, "services")
		},
	})
}
