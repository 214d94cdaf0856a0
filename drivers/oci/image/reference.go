package image

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// parseRef parses an image reference, marking loopback registries and
// those in InsecureRegistries as reached over plain HTTP.
func (s *Store) parseRef(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("%w: reference %q: %w; want [registry/]repository[:tag][@sha256:digest]", ErrInvalid, ref, err)
	}
	if s.plainHTTP(r.Context().RegistryStr()) {
		r, err = name.ParseReference(ref, name.Insecure)
		if err != nil {
			return nil, fmt.Errorf("%w: reference %q: %w", ErrInvalid, ref, err)
		}
	}
	return r, nil
}

// plainHTTP says whether a registry ("host" or "host:port") may be reached
// over plain HTTP.
func (s *Store) plainHTTP(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, r := range s.cfg.InsecureRegistries {
		if strings.EqualFold(r, registry) || strings.EqualFold(r, host) {
			return true
		}
	}
	return false
}

// httpsOnly upgrades plain-HTTP requests to hosts not allowed them.
// go-containerregistry speaks plain HTTP to private (RFC 1918) addresses
// on its own; this keeps those on HTTPS unless InsecureRegistries lists
// them, and catches token realms that point at plain HTTP.
type httpsOnly struct {
	next  http.RoundTripper
	allow func(host string) bool
}

func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !t.allow(req.URL.Host) {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	return t.next.RoundTrip(req)
}
