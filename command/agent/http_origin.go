package agent

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Cross-site request forgery: a web page an operator happens to visit can
// make the browser send requests to the agent on localhost. Browsers let a
// page send a POST without asking the server first only with a "simple"
// content type (text/plain, a form encoding); other methods and types are
// preflighted with CORS, which the agent never grants. So a write is
// refused when it carries a browser's marks of another site (an Origin
// that is neither the API's own nor allowed by http_allowed_origins, or
// Sec-Fetch-Site: cross-site), or a content type that only a form or a
// text/plain body would carry. curl's default for -d
// (application/x-www-form-urlencoded) stays accepted from callers that
// are not browsers, so Nomad's documented curl examples keep working.

// browserSimpleTypes are the content types a page may send cross-origin
// without a preflight, other than the form encoding handled apart.
var browserSimpleTypes = map[string]bool{
	"text/plain":          true,
	"multipart/form-data": true,
}

// browserOriginHeaders are the headers by which a browser says which site
// a request comes from.
var browserOriginHeaders = []string{"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"}

// checkBrowserOrigin refuses any request, whatever its method, that a
// browser sent from a site other than the API's own or an allowed one. It
// guards the WebSocket endpoints: a page may open a WebSocket to any
// address, and the handshake is a GET.
func (s *HTTPServer) checkBrowserOrigin(r *http.Request) error {
	if err := s.checkBrowserHost(r); err != nil {
		return err
	}
	origin := r.Header.Get("Origin")
	if origin == "" || s.originAllowed(origin, r.Host) {
		return nil
	}
	return &CodedError{Code: http.StatusForbidden, Msg: fmt.Sprintf(
		"%s %s from origin %q refused: browsers may use it only from the API's own origin or one listed in the agent's http_allowed_origins",
		r.Method, r.URL.Path, origin)}
}

// DNS rebinding: a hostile page on a name the attacker controls makes
// the name resolve to 127.0.0.1, and its scripts then reach the agent as
// their own origin (Origin and Host both name the attacker's host), past
// the origin check, able to write and to read the answers. What gives
// them away is the Host header: it names the attacker's host, not an
// address of the agent. So a request that a page's script sent (it has
// an Origin, or Sec-Fetch-Site other than "none", which marks what the
// user typed or bookmarked) is served only when its Host is an IP
// address, localhost, or the host of an origin http_allowed_origins
// lists ("*" allows every host). Callers that are not browsers (the CLI,
// curl, the api package) send none of these headers and are not
// affected, whatever name they use.

// checkBrowserHost refuses a browser script's request whose Host is a
// name the agent has not been told is its own.
func (s *HTTPServer) checkBrowserHost(r *http.Request) error {
	site := r.Header.Get("Sec-Fetch-Site")
	if r.Header.Get("Origin") == "" && (site == "" || site == "none") {
		return nil
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	if s.hostTrusted(host) {
		return nil
	}
	return &CodedError{Code: http.StatusForbidden, Msg: fmt.Sprintf(
		"%s %s refused: a browser sent it to the host name %q, which is not one of this agent's addresses "+
			"(a defence against DNS rebinding); use the agent's IP address or localhost, or list the origin "+
			"(e.g. \"http://%s:4646\") in the agent's http_allowed_origins",
		r.Method, r.URL.Path, host, host)}
}

// hostTrusted tells whether host names this agent for a browser: an IP
// address, localhost (or a name under .localhost, which browsers resolve
// to loopback themselves), or the host of an allowed origin.
func (s *HTTPServer) hostTrusted(host string) bool {
	if host == "" || net.ParseIP(host) != nil {
		return true
	}
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if s.agent.config == nil {
		return false
	}
	for _, o := range s.agent.config.HTTPAllowedOrigins {
		if o == "*" {
			return true
		}
		if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Hostname(), h) {
			return true
		}
	}
	return false
}

// isWrite tells whether a method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkWriteOrigin refuses writes that a browser sent on behalf of
// another site, and writes whose body type only a browser form would use.
func (s *HTTPServer) checkWriteOrigin(r *http.Request) error {
	if !isWrite(r.Method) {
		return nil
	}
	origin := r.Header.Get("Origin")
	if err := s.checkBrowserOrigin(r); err != nil {
		return err
	}
	if origin == "" && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return &CodedError{Code: http.StatusForbidden, Msg: fmt.Sprintf(
			"%s %s refused: a browser sent it from another site (Sec-Fetch-Site: cross-site) without an Origin header", r.Method, r.URL.Path)}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return &CodedError{Code: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf("Content-Type %q is malformed; send application/json or no Content-Type", ct)}
	}
	browser := origin != "" || r.Header.Get("Sec-Fetch-Mode") != ""
	if browserSimpleTypes[mt] || (mt == "application/x-www-form-urlencoded" && browser) {
		return &CodedError{Code: http.StatusUnsupportedMediaType, Msg: fmt.Sprintf(
			"Content-Type %s is not accepted for %s %s: the API takes JSON bodies; send Content-Type: application/json (or none)", mt, r.Method, r.URL.Path)}
	}
	return nil
}

// originAllowed tells whether a browser page from origin may write: the
// API's own origin (the Host the request was sent to) always may, others
// only when http_allowed_origins lists them or "*".
func (s *HTTPServer) originAllowed(origin, host string) bool {
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return true
	}
	if s.agent.config == nil {
		return false
	}
	for _, o := range s.agent.config.HTTPAllowedOrigins {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// checkOriginSyntax accepts "*" or scheme://host[:port] with no path.
func checkOriginSyntax(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin: want scheme://host[:port], e.g. \"https://ui.example.com\", or \"*\"", o)
	}
	return nil
}
