package agent

import (
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// registerServiceRoutes registers Nomad's native service discovery
// endpoints. GET /v1/service/:name answers only passing instances unless
// ?all=true is given: a nomadish difference from Nomad, whose answer
// includes every instance whatever its checks say.
func (s *HTTPServer) registerServiceRoutes() {
	s.route("/v1/services", methods{http.MethodGet: s.serviceList})
	s.route("/v1/service/{name}", methods{http.MethodGet: s.serviceGet})
	s.route("/v1/service/{name}/{id}", methods{http.MethodDelete: s.serviceDelete})
}

// serviceList is GET /v1/services: each namespace's services with their
// tags (namespace=* for every namespace).
func (s *HTTPServer) serviceList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.ServiceRegistrationListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.ServiceRegistrationListResponse
	if err := s.backend.RPC("ServiceRegistration.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.Services == nil {
		out.Services = []*structs.ServiceRegistrationListStub{}
	}
	return out.Services, nil
}

// serviceGet is GET /v1/service/:name with Nomad's tag and choose
// parameters and nomadish's all. Filters apply in that order: tag, then
// health, then choose over what is left. A service with no instance is an
// empty list, as in Nomad.
func (s *HTTPServer) serviceGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.ServiceRegistrationByNameRequest{ServiceName: r.PathValue("name")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	all, err := boolParam(r, "all")
	if err != nil {
		return nil, err
	}
	count, key := 0, ""
	if c := r.URL.Query().Get("choose"); c != "" {
		if count, key, err = structs.ParseServiceChoose(c); err != nil {
			return nil, badRequest("%v", err)
		}
	}
	var out structs.ServiceRegistrationByNameResponse
	if err := s.backend.RPC("ServiceRegistration.GetService", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	regs := structs.FilterServiceRegistrations(out.Services, r.URL.Query().Get("tag"), all)
	if count > 0 {
		regs = structs.ChooseServiceRegistrations(regs, count, key)
	}
	return regs, nil
}

// serviceDelete is DELETE /v1/service/:name/:id; an unknown ID, or one
// that is not an instance of name, is a 404.
func (s *HTTPServer) serviceDelete(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.ServiceRegistrationDeleteByIDRequest{ID: r.PathValue("id")}
	s.parseWriteRequest(r, &args.WriteRequest)
	name := r.PathValue("name")
	// The ID alone identifies the instance; the name is checked so that
	// a DELETE naming the wrong service removes nothing.
	var got structs.ServiceRegistrationByNameResponse
	q := structs.ServiceRegistrationByNameRequest{ServiceName: name,
		QueryOptions: structs.QueryOptions{Region: args.Region, Namespace: args.Namespace}}
	if err := s.backend.RPC("ServiceRegistration.GetService", &q, &got); err != nil {
		return nil, err
	}
	found := false
	for _, reg := range got.Services {
		found = found || reg.ID == args.ID
	}
	if !found {
		return nil, notFound("service " + name + " instance " + args.ID)
	}
	var out structs.GenericResponse
	if err := s.backend.RPC("ServiceRegistration.DeleteByID", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return nil, nil
}
