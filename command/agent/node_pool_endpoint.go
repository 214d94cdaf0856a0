package agent

import (
	"fmt"
	"net/http"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Node pools, in Nomad's paths: GET /v1/node/pools lists them, PUT or
// POST /v1/node/pools writes one (the body is the pool), GET and DELETE
// /v1/node/pool/:name read and remove one. Writes go to the
// authoritative region (website/federation.md).
func (s *HTTPServer) registerNodePoolRoutes() {
	s.route("/v1/node/pools", methods{http.MethodGet: s.nodePoolList, http.MethodPut: s.nodePoolUpsert, http.MethodPost: s.nodePoolUpsert})
}

func (s *HTTPServer) nodePoolList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var args structs.NodePoolListRequest
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.NodePoolListResponse
	if err := s.backend.RPC("NodePool.List", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.NodePools == nil {
		out.NodePools = []*structs.NodePool{}
	}
	return out.NodePools, nil
}

func (s *HTTPServer) nodePoolGet(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.NodePoolSpecificRequest{Name: r.PathValue("action")}
	if err := s.parseQueryOptions(r, &args.QueryOptions); err != nil {
		return nil, err
	}
	var out structs.SingleNodePoolResponse
	if err := s.backend.RPC("NodePool.GetNodePool", &args, &out); err != nil {
		return nil, err
	}
	setMeta(w, &out.QueryMeta)
	if out.NodePool == nil {
		return nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("node pool %q not found", args.Name)}
	}
	return out.NodePool, nil
}

func (s *HTTPServer) nodePoolUpsert(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	var pool structs.NodePool
	if err := decodeBody(r, &pool); err != nil {
		return nil, err
	}
	args := structs.NodePoolUpsertRequest{NodePools: []*structs.NodePool{&pool}}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.GenericResponse
	if err := s.backend.RPC("NodePool.UpsertNodePools", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return nil, nil
}

func (s *HTTPServer) nodePoolDelete(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	args := structs.NodePoolDeleteRequest{Names: []string{r.PathValue("action")}}
	s.parseWriteRequest(r, &args.WriteRequest)
	var out structs.GenericResponse
	if err := s.backend.RPC("NodePool.DeleteNodePools", &args, &out); err != nil {
		return nil, err
	}
	setIndex(w, out.Index)
	return nil, nil
}
