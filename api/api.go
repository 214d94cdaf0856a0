// Package api is the Go client for nomadish's HTTP API and the wire types it
// carries. It speaks HashiCorp Nomad's public v1 HTTP API (same paths, JSON
// field names, query parameters and X-Nomad-* headers), so it is also usable
// against Nomad itself.
//
// The package is dependency-light on purpose: it imports only the standard
// library so that pipelines and tools can use it on its own. It must never
// import anything of the nomadish server, client or CLI.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultAddress is the agent address used when neither Config.Address nor
// NOMADISH_ADDR is set.
const DefaultAddress = "http://127.0.0.1:4646"

// Environment variables read by DefaultConfig. Nomad's names (NOMAD_ADDR,
// NOMAD_REGION, NOMAD_NAMESPACE) are read where ours are unset.
const (
	EnvAddress   = "NOMADISH_ADDR"
	EnvRegion    = "NOMADISH_REGION"
	EnvNamespace = "NOMADISH_NAMESPACE"

	EnvNomadAddress   = "NOMAD_ADDR"
	EnvNomadRegion    = "NOMAD_REGION"
	EnvNomadNamespace = "NOMAD_NAMESPACE"
)

// getenv is the value of ours, else of Nomad's name for it.
func getenv(ours, nomads string) string {
	if v := os.Getenv(ours); v != "" {
		return v
	}
	return os.Getenv(nomads)
}

// DefaultTimeout bounds a non-blocking request when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// blockingGrace is added to a blocking query's wait time before the client
// gives up: the server adds up to wait/16 of jitter, and the response still
// has to travel back.
const blockingGrace = 10 * time.Second

// defaultBlockingWait is the wait the server applies when a blocking query
// (one with WaitIndex) names no wait time.
const defaultBlockingWait = 5 * time.Minute

// Config says how to reach an agent.
type Config struct {
	// Address is the agent's HTTP address, e.g. "http://127.0.0.1:4646".
	// A missing scheme means http.
	Address string

	// Region and Namespace are sent with every request whose options do not
	// name their own. Empty means the agent's own region and the default
	// namespace.
	Region    string
	Namespace string

	// HttpClient is used for every request; nil means a new http.Client.
	HttpClient *http.Client

	// WaitTime is the default wait of blocking queries (those with a
	// WaitIndex) whose QueryOptions name none.
	WaitTime time.Duration

	// Timeout bounds non-blocking requests; zero means DefaultTimeout.
	// Blocking queries are bounded by their wait time plus a grace period.
	Timeout time.Duration
}

// DefaultConfig returns a Config filled from NOMADISH_ADDR, NOMADISH_REGION
// and NOMADISH_NAMESPACE (or, where one is unset, Nomad's NOMAD_ADDR,
// NOMAD_REGION and NOMAD_NAMESPACE), with DefaultAddress when no address
// is set.
func DefaultConfig() *Config {
	cfg := &Config{
		Address:   DefaultAddress,
		Region:    getenv(EnvRegion, EnvNomadRegion),
		Namespace: getenv(EnvNamespace, EnvNomadNamespace),
	}
	if addr := getenv(EnvAddress, EnvNomadAddress); addr != "" {
		cfg.Address = addr
	}
	return cfg
}

// Client talks to one agent. It is safe for concurrent use.
type Client struct {
	config  Config
	baseURL *url.URL
	http    *http.Client
}

// NewClient returns a client for cfg; a nil cfg means DefaultConfig().
func NewClient(cfg *Config) (*Client, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	c := &Client{config: *cfg}
	if c.config.Address == "" {
		c.config.Address = DefaultAddress
	}
	addr := c.config.Address
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid agent address %q (want e.g. %s): %w", c.config.Address, DefaultAddress, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid agent address %q: scheme %q is not http or https", c.config.Address, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid agent address %q: no host (want e.g. %s)", c.config.Address, DefaultAddress)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	c.baseURL = u
	c.http = cfg.HttpClient
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.config.Timeout == 0 {
		c.config.Timeout = DefaultTimeout
	}
	return c, nil
}

// Address returns the agent address the client dials.
func (c *Client) Address() string { return c.baseURL.String() }

// QueryOptions tune a read.
type QueryOptions struct {
	Region    string
	Namespace string

	// AllowStale lets any server answer, not only the leader.
	AllowStale bool

	// WaitIndex makes the query blocking: the server answers once its
	// index for the data exceeds WaitIndex, or after WaitTime.
	WaitIndex uint64
	WaitTime  time.Duration

	// Prefix filters list endpoints by ID prefix.
	Prefix string

	// Params are extra query parameters.
	Params map[string]string
}

// WriteOptions tune a write.
type WriteOptions struct {
	Region    string
	Namespace string
}

// QueryMeta is what the server reports about a read.
type QueryMeta struct {
	// LastIndex is the X-Nomad-Index of the answer; pass it as the next
	// WaitIndex to block for a change.
	LastIndex uint64

	// LastContact is how long ago the answering server heard from the
	// leader (X-Nomad-LastContact); zero on the leader.
	LastContact time.Duration

	// KnownLeader says whether the answering server knew a leader.
	KnownLeader bool

	// RequestTime is how long the round trip took.
	RequestTime time.Duration
}

// WriteMeta is what the server reports about a write.
type WriteMeta struct {
	LastIndex   uint64
	RequestTime time.Duration
}

// UnexpectedResponseError is a non-2xx answer from the agent. Body holds the
// server's text verbatim: for 400 answers it lists every validation problem
// with its field path.
type UnexpectedResponseError struct {
	StatusCode int
	Status     string
	Body       string
}

func (e *UnexpectedResponseError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("Unexpected response code: %d", e.StatusCode)
	}
	return fmt.Sprintf("Unexpected response code: %d (%s)", e.StatusCode, e.Body)
}

// IsNotFound reports whether err is a 404 answer from the agent.
func IsNotFound(err error) bool {
	var ue *UnexpectedResponseError
	return errors.As(err, &ue) && ue.StatusCode == http.StatusNotFound
}

// ConnectionError is a failure to reach the agent at Address or to read its
// answer. Its message is the underlying error's, which names the method and
// the full URL that was dialed.
type ConnectionError struct {
	Address string
	Err     error
}

func (e *ConnectionError) Error() string { return e.Err.Error() }
func (e *ConnectionError) Unwrap() error { return e.Err }

// maxErrorBody bounds how much of an error answer is kept.
const maxErrorBody = 64 << 10

// request is one HTTP call being built.
type request struct {
	method   string
	path     string // escaped
	params   url.Values
	body     any
	blocking time.Duration // wait of a blocking query; zero if not blocking
	// ctx, when set, bounds the request instead of the client's
	// timeout: streams (followed logs) last until it is cancelled.
	ctx context.Context
}

func (c *Client) newRequest(method, path string) (*request, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("invalid request path %q: %w", path, err)
	}
	return &request{method: method, path: u.EscapedPath(), params: u.Query()}, nil
}

func (r *request) setQueryOptions(c *Client, q *QueryOptions) {
	if q == nil {
		q = &QueryOptions{}
	}
	r.setRegionNamespace(c, q.Region, q.Namespace)
	if q.AllowStale {
		r.params.Set("stale", "")
	}
	if q.WaitIndex != 0 {
		r.params.Set("index", strconv.FormatUint(q.WaitIndex, 10))
		wait := q.WaitTime
		if wait == 0 {
			wait = c.config.WaitTime
		}
		if wait != 0 {
			r.params.Set("wait", durationToMsec(wait))
			r.blocking = wait
		} else {
			r.blocking = defaultBlockingWait
		}
	} else if q.WaitTime != 0 {
		r.params.Set("wait", durationToMsec(q.WaitTime))
	}
	if q.Prefix != "" {
		r.params.Set("prefix", q.Prefix)
	}
	for k, v := range q.Params {
		r.params.Set(k, v)
	}
}

func (r *request) setWriteOptions(c *Client, w *WriteOptions) {
	if w == nil {
		w = &WriteOptions{}
	}
	r.setRegionNamespace(c, w.Region, w.Namespace)
}

func (r *request) setRegionNamespace(c *Client, region, namespace string) {
	if region == "" {
		region = c.config.Region
	}
	if namespace == "" {
		namespace = c.config.Namespace
	}
	if region != "" {
		r.params.Set("region", region)
	}
	if namespace != "" {
		r.params.Set("namespace", namespace)
	}
}

// durationToMsec renders d as the server's wait format, e.g. "5000ms".
func durationToMsec(d time.Duration) string {
	ms := d / time.Millisecond
	if d > 0 && ms == 0 {
		ms = 1
	}
	return fmt.Sprintf("%dms", ms)
}

// do sends r and returns the response with a 2xx status; the caller closes
// its body. Any other status becomes an *UnexpectedResponseError.
func (c *Client) do(r *request) (*http.Response, time.Duration, error) {
	target := c.baseURL.String() + r.path
	if enc := encodeParams(r.params); enc != "" {
		target += "?" + enc
	}

	var body io.Reader
	if r.body != nil {
		buf, err := json.Marshal(r.body)
		if err != nil {
			return nil, 0, fmt.Errorf("encode request body for %s %s: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(buf)
	}

	timeout := c.config.Timeout
	if r.blocking > 0 {
		timeout = r.blocking + r.blocking/16 + blockingGrace
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	if r.ctx != nil {
		cancel()
		ctx, cancel = context.WithCancel(r.ctx)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		cancel()
		return nil, 0, fmt.Errorf("build request %s %s: %w", r.method, target, err)
	}
	req.Header.Set("User-Agent", "nomadish-api")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	rtt := time.Since(start)
	if err != nil {
		cancel()
		return nil, rtt, &ConnectionError{Address: c.Address(), Err: err}
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, rtt, &UnexpectedResponseError{
			StatusCode: resp.StatusCode,
			Status:     resp.Status,
			Body:       strings.TrimRight(string(b), "\r\n"),
		}
	}
	return resp, rtt, nil
}

// encodeParams is url.Values.Encode except that an empty value is sent as a
// bare key ("stale" rather than "stale="), as the server expects for flags.
func encodeParams(v url.Values) string {
	enc := v.Encode()
	if enc == "" {
		return ""
	}
	parts := strings.Split(enc, "&")
	for i, p := range parts {
		parts[i] = strings.TrimSuffix(p, "=")
	}
	return strings.Join(parts, "&")
}

// cancelOnClose releases a request's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func decodeBody(resp *http.Response, out any, what string) error {
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode response of %s: %w", what, err)
	}
	return nil
}

// query GETs path into out.
func (c *Client) query(path string, out any, q *QueryOptions) (*QueryMeta, error) {
	r, err := c.newRequest(http.MethodGet, path)
	if err != nil {
		return nil, err
	}
	r.setQueryOptions(c, q)
	resp, rtt, err := c.do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	qm := parseQueryMeta(resp)
	qm.RequestTime = rtt
	if err := decodeBody(resp, out, "GET "+r.path); err != nil {
		return nil, err
	}
	return qm, nil
}

// rawQuery GETs path and returns the body unparsed.
func (c *Client) rawQuery(path string, q *QueryOptions) ([]byte, *QueryMeta, error) {
	r, err := c.newRequest(http.MethodGet, path)
	if err != nil {
		return nil, nil, err
	}
	r.setQueryOptions(c, q)
	resp, rtt, err := c.do(r)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	qm := parseQueryMeta(resp)
	qm.RequestTime = rtt
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, &ConnectionError{Address: c.Address(), Err: err}
	}
	return b, qm, nil
}

// write sends in (if not nil) with method to path and decodes into out.
func (c *Client) write(method, path string, in, out any, w *WriteOptions) (*WriteMeta, error) {
	r, err := c.newRequest(method, path)
	if err != nil {
		return nil, err
	}
	r.setWriteOptions(c, w)
	r.body = in
	resp, rtt, err := c.do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	wm := &WriteMeta{RequestTime: rtt, LastIndex: parseIndex(resp)}
	if err := decodeBody(resp, out, method+" "+r.path); err != nil {
		return nil, err
	}
	return wm, nil
}

// put PUTs in to path and decodes the answer into out.
func (c *Client) put(path string, in, out any, w *WriteOptions) (*WriteMeta, error) {
	return c.write(http.MethodPut, path, in, out, w)
}

// post POSTs in to path and decodes the answer into out.
func (c *Client) post(path string, in, out any, w *WriteOptions) (*WriteMeta, error) {
	return c.write(http.MethodPost, path, in, out, w)
}

// delete DELETEs path and decodes the answer into out.
func (c *Client) delete(path string, out any, w *WriteOptions) (*WriteMeta, error) {
	return c.write(http.MethodDelete, path, nil, out, w)
}

func parseIndex(resp *http.Response) uint64 {
	idx, _ := strconv.ParseUint(resp.Header.Get("X-Nomad-Index"), 10, 64)
	return idx
}

func parseQueryMeta(resp *http.Response) *QueryMeta {
	qm := &QueryMeta{LastIndex: parseIndex(resp)}
	if ms, err := strconv.ParseUint(resp.Header.Get("X-Nomad-LastContact"), 10, 64); err == nil {
		qm.LastContact = time.Duration(ms) * time.Millisecond
	}
	qm.KnownLeader = resp.Header.Get("X-Nomad-KnownLeader") == "true"
	return qm
}
