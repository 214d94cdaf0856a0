package agent

import "net/http"

// registerJobOpsRoutes registers the job endpoints outside /v1/job/:id.
func (s *HTTPServer) registerJobOpsRoutes() {
	s.route("/v1/jobs/parse", methods{http.MethodPut: s.jobsParse, http.MethodPost: s.jobsParse})
	s.route("/v1/validate/job", methods{http.MethodPut: s.jobValidate, http.MethodPost: s.jobValidate})
}
