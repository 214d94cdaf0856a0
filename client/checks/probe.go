package checks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/nomadish/nomadish/nomadish/structs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// MaxOutput bounds the output kept for a check (a body, a script's
// output), so that a chatty check cannot grow the client's memory or the
// API's answers.
const MaxOutput = 4 << 10

// ExecFunc runs cmd in the named running task and returns its exit code
// and combined output (the implementation bounds it). A driver that
// cannot exec returns an error.
type ExecFunc func(ctx context.Context, task string, cmd []string) (exitCode int, output []byte, err error)

// probeResult is one run of a check, before success_before_passing and
// failures_before_critical are applied.
type probeResult struct {
	ok         bool
	statusCode int
	output     string
}

func failed(format string, args ...any) probeResult {
	return probeResult{output: fmt.Sprintf(format, args...)}
}

// prober runs one check once; it must return when ctx is done.
type prober func(ctx context.Context) probeResult

// newProber builds the runner of c's type. An unknown type (the server
// refuses those) fails every run with a message saying so.
func newProber(c *Check, resolve PortResolver, exec ExecFunc) prober {
	switch c.Def.Type {
	case "http":
		client := &http.Client{
			Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{InsecureSkipVerify: c.Def.TLSSkipVerify, ServerName: c.Def.TLSServerName}, //nolint:gosec // the job asked for it
				DisableKeepAlives: true,
			},
			// A redirect is the answer, as Nomad's native checks take it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		return func(ctx context.Context) probeResult { return probeHTTP(ctx, client, c, resolve) }
	case "tcp":
		return func(ctx context.Context) probeResult { return probeTCP(ctx, c, resolve) }
	case "grpc":
		return func(ctx context.Context) probeResult { return probeGRPC(ctx, c, resolve) }
	case "script":
		return func(ctx context.Context) probeResult { return probeScript(ctx, c, exec) }
	}
	return func(context.Context) probeResult {
		return failed("unknown check type %q; accepted: \"http\", \"tcp\", \"grpc\", \"script\"", c.Def.Type)
	}
}

// probeHTTP sends the check's request; a 2xx answer passes, anything else
// fails (Nomad's native checks).
func probeHTTP(ctx context.Context, client *http.Client, c *Check, resolve PortResolver) probeResult {
	addr, err := resolve(c.PortLabel)
	if err != nil {
		return failed("%v", err)
	}
	scheme := "http"
	if c.Def.Protocol == "https" {
		scheme = "https"
	}
	path := c.Def.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	method := c.Def.Method
	if method == "" {
		method = http.MethodGet
	}
	url := scheme + "://" + addr + path
	var body io.Reader
	if c.Def.Body != "" {
		body = strings.NewReader(c.Def.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return failed("build request %s %s: %v", method, url, err)
	}
	for k, vs := range c.Def.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := client.Do(req)
	if err != nil {
		return failed("HTTP %s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxOutput))
	res := probeResult{
		ok:         resp.StatusCode >= 200 && resp.StatusCode < 300,
		statusCode: resp.StatusCode,
		output:     boundOutput(fmt.Sprintf("HTTP %s %s: %s\n%s", method, url, resp.Status, b)),
	}
	return res
}

// probeTCP passes when a connection to the port opens.
func probeTCP(ctx context.Context, c *Check, resolve PortResolver) probeResult {
	addr, err := resolve(c.PortLabel)
	if err != nil {
		return failed("%v", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return failed("TCP connect %s: %v", addr, err)
	}
	_ = conn.Close()
	return probeResult{ok: true, output: fmt.Sprintf("TCP connect %s: success", addr)}
}

// probeGRPC asks the grpc.health.v1 Health service for the check's
// grpc_service ("" is the whole server); SERVING passes.
func probeGRPC(ctx context.Context, c *Check, resolve PortResolver) probeResult {
	addr, err := resolve(c.PortLabel)
	if err != nil {
		return failed("%v", err)
	}
	creds := insecure.NewCredentials()
	if c.Def.GRPCUseTLS {
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: c.Def.TLSSkipVerify, ServerName: c.Def.TLSServerName}) //nolint:gosec // the job asked for it
	}
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return failed("gRPC dial %s: %v", addr, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: c.Def.GRPCService})
	if err != nil {
		return failed("gRPC health check %s service %q: %v", addr, c.Def.GRPCService, err)
	}
	st := resp.GetStatus()
	return probeResult{
		ok:     st == healthpb.HealthCheckResponse_SERVING,
		output: fmt.Sprintf("gRPC health check %s service %q: %s", addr, c.Def.GRPCService, st),
	}
}

// probeScript runs the check's command in its task; exit 0 passes.
func probeScript(ctx context.Context, c *Check, exec ExecFunc) probeResult {
	if exec == nil {
		return failed("script checks cannot run here: the client gave no exec")
	}
	if c.ExecTask == "" {
		return failed("script check %q names no task to run in; set task in the check block", c.Def.Name)
	}
	cmd := append([]string{c.Def.Command}, c.Def.Args...)
	code, out, err := exec(ctx, c.ExecTask, cmd)
	if err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return failed("script %q in task %q: %v", c.Def.Command, c.ExecTask, err)
	}
	return probeResult{ok: code == 0, output: boundOutput(fmt.Sprintf("exit code %d\n%s", code, out))}
}

// boundOutput keeps at most MaxOutput bytes of s, cut on a rune boundary.
func boundOutput(s string) string {
	if len(s) <= MaxOutput {
		return s
	}
	s = s[:MaxOutput]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// statusOf maps a structs initial status word to a check status.
func statusOf(initial string) string {
	switch initial {
	case "passing":
		return structs.CheckSuccess
	case "warning", "critical":
		return structs.CheckFailure
	}
	return structs.CheckPending
}
