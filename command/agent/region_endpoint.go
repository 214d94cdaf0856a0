package agent

import (
	"net/http"
)

func (s *HTTPServer) registerRegionRoutes() {
	s.route("/v1/regions", methods{http.MethodGet: s.regionList})
}

// regionList answers the regions known through the WAN gossip pool, sorted;
// the agent's own region is always among them.
func (s *HTTPServer) regionList(w http.ResponseWriter, r *http.Request) (interface{}, error) {
	regions := s.backend.Regions()
	if regions == nil {
		regions = []string{}
	}
	return regions, nil
}
