package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/serf/serf"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// backend is what the HTTP API needs of the server. *nomadish.Server
// implements it; the handler tests use a fake with real behaviour.
type backend interface {
	// RPC calls an endpoint in process, forwarding to the leader or to
	// another region as a network call would.
	RPC(method string, args, reply interface{}) error
	LANMembers() []serf.Member
	WANMembers() []serf.Member
	JoinLAN(addrs []string) (int, error)
	JoinWAN(addrs []string) (int, error)
	Regions() []string
	Leader() string
	Stats() map[string]map[string]string
}

// MaxRequestBody bounds a request body; a larger one is answered 413.
const MaxRequestBody = 16 << 20

// MaxQueryWait bounds the wait of a blocking query, as in Nomad.
const MaxQueryWait = 10 * time.Minute

// CodedError is an error with the HTTP status it should be answered with.
type CodedError struct {
	Code int
	Msg  string
}

func (e *CodedError) Error() string { return e.Msg }

func badRequest(format string, args ...interface{}) error {
	return &CodedError{Code: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

func notFound(what string) error {
	return &CodedError{Code: http.StatusNotFound, Msg: what + " not found"}
}

// HTTPServer serves the v1 HTTP API of one agent.
type HTTPServer struct {
	backend backend
	// client is this agent's client part; nil when it runs none. Set
	// before serving, read-only after.
	client localClient
	// proxy forwards client requests for allocations on other nodes.
	proxy   *http.Transport
	agent   agentInfo
	metrics *metricsSinks
	logger  hclog.Logger
	mux     *http.ServeMux
	// routes are the patterns route registered, with their methods (the
	// fuzz suite checks that it covers every write route).
	routes map[string][]string
}

// agentInfo is what the /v1/agent endpoints say about the agent itself.
type agentInfo struct {
	config *Config
}

func (a agentInfo) region() string {
	if a.config == nil || a.config.Region == "" {
		return structs.DefaultRegion
	}
	return a.config.Region
}

// newHTTPServer builds the handler tree; serving is the caller's business
// (the agent's listener, or httptest in tests).
func newHTTPServer(b backend, cfg *Config, m *metricsSinks, logger hclog.Logger) *HTTPServer {
	s := &HTTPServer{
		backend: b,
		agent:   agentInfo{config: cfg},
		metrics: m,
		logger:  logger.Named("http"),
		mux:     http.NewServeMux(),
		proxy:   newProxyTransport(),
	}
	s.registerJobRoutes()
	s.registerNodeRoutes()
	s.registerAllocRoutes()
	s.registerClientRoutes()
	s.registerEvalRoutes()
	s.registerDeploymentRoutes()
	s.registerStatusRoutes()
	s.registerAgentRoutes()
	s.registerRegionRoutes()
	s.registerOperatorRoutes()
	s.registerMetricsRoutes()
	s.registerScalingRoutes()
	s.registerServiceRoutes() // service_endpoint.go
	if cfg != nil && (cfg.EnableDebug || cfg.DevMode) {
		s.registerDebugRoutes()
	}
	s.mux.Handle("/", s.wrap(func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
		return nil, &CodedError{Code: http.StatusNotFound, Msg: fmt.Sprintf("no such endpoint %s %s", r.Method, r.URL.Path)}
	}))
	return s
}

func (s *HTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handlerFunc answers a request with an object to encode as JSON, or an
// error that wrap turns into a status and a plain-text body.
type handlerFunc func(w http.ResponseWriter, r *http.Request) (interface{}, error)

// methods maps HTTP methods to handlers for one path.
type methods map[string]handlerFunc

// route registers a path pattern (net/http wildcards, e.g. {id}) whose
// handlers depend on the method; other methods get 405 naming the allowed
// ones.
func (s *HTTPServer) route(pattern string, m methods) {
	if s.routes == nil {
		s.routes = map[string][]string{}
	}
	for method := range m {
		s.routes[pattern] = append(s.routes[pattern], method)
	}
	s.mux.Handle(pattern, s.wrap(m.dispatch()))
}

// dispatch returns a handler that picks the method's handler, or answers
// 405 naming the allowed methods.
func (m methods) dispatch() handlerFunc {
	allowed := make([]string, 0, len(m))
	for k := range m {
		allowed = append(allowed, k)
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	return func(w http.ResponseWriter, r *http.Request) (interface{}, error) {
		h, ok := m[r.Method]
		if !ok {
			w.Header().Set("Allow", allow)
			return nil, &CodedError{Code: http.StatusMethodNotAllowed,
				Msg: fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)}
		}
		return h(w, r)
	}
}

// written tells wrap that the handler has written the response itself.
type written struct{}

// statusObject is encoded like any result but with a status other than 200.
type statusObject struct {
	code int
	obj  interface{}
}

// wrap turns a handlerFunc into an http.Handler: it bounds the body, maps
// errors to statuses, encodes the result (indented with ?pretty), sets the
// default read headers and turns a panic into a logged 500.
func (s *HTTPServer) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					// A proxied stream whose caller or node went
					// away: let net/http drop the connection quietly.
					panic(p)
				}
				panics.Recovered(s.logger, "http", r.Method+" "+r.URL.Path, p)
				http.Error(w, "internal error: the agent hit a bug answering this request (logged as a recovered panic)", http.StatusInternalServerError)
			}
		}()
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody)
		}
		obj, err := s.serve(h, w, r)
		if err != nil {
			code, msg := s.errorStatus(err)
			if code >= 500 && code != http.StatusNotImplemented {
				s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", code, "error", err)
			} else {
				s.logger.Debug("request rejected", "method", r.Method, "path", r.URL.Path, "status", code, "error", err)
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(code)
			io.WriteString(w, msg)
			return
		}
		s.logger.Trace("request complete", "method", r.Method, "path", r.URL.Path, "duration", time.Since(start))
		if _, ok := obj.(written); ok {
			return
		}
		code := http.StatusOK
		if so, ok := obj.(statusObject); ok {
			code, obj = so.code, so.obj
		}
		if r.Method == http.MethodGet && w.Header().Get("X-Nomad-Index") == "" {
			s.setLocalMeta(w)
		}
		buf, err := encodeResponse(obj, isPretty(r))
		if err != nil {
			s.logger.Error("encode response", "path", r.URL.Path, "error", err)
			http.Error(w, "internal error encoding the response", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write(buf)
	})
}

// serve runs h unless a browser sent the request to a host name that is
// not the agent's (DNS rebinding), or it is a write a browser sent for
// another site (http_origin.go).
func (s *HTTPServer) serve(h handlerFunc, w http.ResponseWriter, r *http.Request) (interface{}, error) {
	if err := s.checkBrowserHost(r); err != nil {
		return nil, err
	}
	if err := s.checkWriteOrigin(r); err != nil {
		return nil, err
	}
	return h(w, r)
}

func isPretty(r *http.Request) bool {
	v, ok := r.URL.Query()["pretty"]
	if !ok {
		return false
	}
	b, err := parseBoolParam(v[0])
	return err != nil || b
}

// errorStatus maps an error to its status and body. User mistakes are 4xx;
// only failures of the agent or cluster are 5xx.
func (s *HTTPServer) errorStatus(err error) (int, string) {
	var ce *CodedError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ce):
		return ce.Code, ce.Msg
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", mbe.Limit)
	case structs.IsValidationError(err):
		return http.StatusBadRequest, err.Error()
	case structs.IsErrNoLeader(err):
		return http.StatusInternalServerError, structs.ErrNoLeader.Error()
	case structs.IsErrUnknownRegion(err):
		return http.StatusBadRequest, err.Error()
	case structs.IsErrRegionUnreachable(err):
		return http.StatusServiceUnavailable, err.Error()
	case errorHas(err, structs.ErrPermissionDenied):
		return http.StatusForbidden, err.Error()
	case structs.IsErrNotFound(err):
		return http.StatusNotFound, err.Error()
	case structs.IsErrConflict(err):
		// A failed check-and-set (EnforceIndex with a stale
		// JobModifyIndex): the caller lost a race, the server is fine.
		return http.StatusConflict, err.Error()
	}
	return http.StatusInternalServerError, err.Error()
}

func errorHas(err, target error) bool {
	return errors.Is(err, target) || strings.Contains(err.Error(), target.Error())
}

// setMeta writes the read headers from a response's QueryMeta.
func setMeta(w http.ResponseWriter, m *structs.QueryMeta) {
	w.Header().Set("X-Nomad-Index", strconv.FormatUint(m.Index, 10))
	w.Header().Set("X-Nomad-KnownLeader", strconv.FormatBool(m.KnownLeader))
	w.Header().Set("X-Nomad-LastContact", strconv.FormatInt(m.LastContact.Milliseconds(), 10))
}

// setIndex writes X-Nomad-Index for a write.
func setIndex(w http.ResponseWriter, index uint64) {
	w.Header().Set("X-Nomad-Index", strconv.FormatUint(index, 10))
}

// setLocalMeta writes read headers for answers the agent gives itself,
// without a Raft index.
func (s *HTTPServer) setLocalMeta(w http.ResponseWriter) {
	w.Header().Set("X-Nomad-Index", "0")
	w.Header().Set("X-Nomad-KnownLeader", strconv.FormatBool(s.backend != nil && s.backend.Leader() != ""))
	w.Header().Set("X-Nomad-LastContact", "0")
}

// parseQueryOptions reads region, namespace, stale, index, wait and prefix
// into q. The region defaults to the agent's.
func (s *HTTPServer) parseQueryOptions(r *http.Request, q *structs.QueryOptions) error {
	v := r.URL.Query()
	q.Region = v.Get("region")
	if q.Region == "" {
		q.Region = s.agent.region()
	}
	q.Namespace = v.Get("namespace")
	if q.Namespace == "" {
		q.Namespace = structs.DefaultNamespace
	}
	q.Prefix = v.Get("prefix")
	if vals, ok := v["stale"]; ok {
		b, err := parseBoolParam(vals[0])
		if err != nil {
			return badRequest("invalid stale %q: want no value, true or false", vals[0])
		}
		q.AllowStale = b
	}
	if idx := v.Get("index"); idx != "" {
		n, err := strconv.ParseUint(idx, 10, 64)
		if err != nil {
			return badRequest("invalid index %q: want a non-negative integer, the X-Nomad-Index of an earlier answer", idx)
		}
		q.MinQueryIndex = n
	}
	if wait := v.Get("wait"); wait != "" {
		d, err := parseWait(wait)
		if err != nil {
			return err
		}
		q.MaxQueryTime = d
	}
	return nil
}

// parseWait accepts a duration with a unit, e.g. 5s, 1m, 1500ms or 1m30s.
func parseWait(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, badRequest("invalid wait %q: want a duration with a unit such as 500ms, 5s or 1m (at most %s)", s, MaxQueryWait)
	}
	if d > MaxQueryWait {
		d = MaxQueryWait
	}
	return d, nil
}

// parseWriteRequest reads region and namespace into w.
func (s *HTTPServer) parseWriteRequest(r *http.Request, w *structs.WriteRequest) {
	v := r.URL.Query()
	w.Region = v.Get("region")
	if w.Region == "" {
		w.Region = s.agent.region()
	}
	w.Namespace = v.Get("namespace")
}

// parseBoolParam accepts an empty value (a bare flag) as true.
func parseBoolParam(s string) (bool, error) {
	if s == "" {
		return true, nil
	}
	return strconv.ParseBool(s)
}

// boolParam reads an optional boolean query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	vals, ok := r.URL.Query()[name]
	if !ok {
		return false, nil
	}
	b, err := parseBoolParam(vals[0])
	if err != nil {
		return false, badRequest("invalid %s %q: want true or false", name, vals[0])
	}
	return b, nil
}

// decodeBody reads a JSON body into out. Problems are 400s that say where:
// a type mismatch names the field path and the types, a syntax error the
// line and column. Unknown fields are ignored, as Nomad does, so bodies
// written for Nomad with fields nomadish lacks still work.
func decodeBody(r *http.Request, out interface{}) error {
	if r.Body == nil {
		return badRequest("request body is empty; want a JSON object")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("reading request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is empty; want a JSON object")
	}
	if err := checkJSONLimits(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(out); err != nil {
		return jsonError(body, err)
	}
	if dec.More() {
		line, col := lineCol(body, dec.InputOffset())
		return badRequest("invalid JSON at line %d, column %d: unexpected data after the top-level value", line, col)
	}
	return nil
}

func jsonError(body []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(body, se.Offset)
		return badRequest("invalid JSON at line %d, column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		// The decoder's own field path has no list indexes; find the
		// value in the body instead, and fall back to the decoder's.
		path := strings.TrimPrefix(jsonPathAt(body, te.Offset), "Job.")
		if path == "" {
			path = te.Field
		}
		if path == "" {
			path = "(body)"
		}
		line, col := lineCol(body, te.Offset)
		return badRequest("%s: expected %s, got %s (line %d, column %d)", path, jsonTypeName(te.Type), te.Value, line, col)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(body, int64(len(body)))
		return badRequest("invalid JSON at line %d, column %d: unexpected end of input", line, col)
	}
	return badRequest("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

var durationType = reflect.TypeOf(time.Duration(0))

// jsonTypeName names the JSON type that decodes into t.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == durationType {
		return "number (nanoseconds)"
	}
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64 string"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(body []byte, off int64) (int, int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	if off < 0 {
		off = 0
	}
	prefix := body[:off]
	line := bytes.Count(prefix, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(prefix, '\n')
	return line, col
}

// listenHTTP opens the HTTP listener; port 0 picks a free one.
func listenHTTP(addr string, port int) (net.Listener, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("http listener: %w", err)
	}
	return l, nil
}
