//go:build e2e && linux

package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// webJobFile is a service job of count 3 running taskbin's HTTP server
// in OCI containers on the host network. Its service "web" is checked on
// /health and balanced on the node's port listen. Each instance answers
// "VERSION PORT"; sick makes /health fail from the start.
func webJobFile(ref string, listen int, version string, sick, autoPromote bool) string {
	args := fmt.Sprintf(`"http", "${NOMAD_PORT_http}", "%s ${NOMAD_PORT_http}"`, version)
	if sick {
		args += `, "sick"`
	}
	return fmt.Sprintf(`job "web" {
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 3

    network {
      port "http" {}
    }

    update {
      max_parallel      = 1
      canary            = 1
      auto_promote      = %t
      auto_revert       = true
      min_healthy_time  = "1s"
      healthy_deadline  = "8s"
      progress_deadline = "10s"
    }

    service {
      name = "web"
      port = "http"

      check {
        type     = "http"
        path     = "/health"
        interval = "1s"
        timeout  = "1s"
      }

      lb {
        listen = %d
        mode   = "http"
      }
    }

    task "srv" {
      driver = "oci"

      config {
        image        = %q
        network_mode = "host"
        args         = [%s]
      }

      kill_timeout = "5s"

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
`, autoPromote, listen, ref, args)
}

// needContainers skips where the OCI driver cannot run (not root, no
// runc); CI has both.
func needContainers(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the OCI driver needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		t.Skip("the OCI driver needs runc on PATH (.ci/run installs it)")
	}
}

// webScenario is a dev agent with DNS on a port of its own and a short
// balancer drain, the test image in a registry, and a port for the
// balancer.
type webScenario struct {
	a      *agentProc
	cl     *api.Client
	ref    string
	listen int
	lbURL  string
}

func newWebScenario(t testing.TB) *webScenario {
	needContainers(t)
	w := &webScenario{ref: ociTestImage(t)}
	w.a = startServer(t, "dev", 0, serverOpts{Dev: true, DNS: freePort(t),
		Extra: "client {\n  lb {\n    drain_timeout = \"10s\"\n  }\n}\n"})
	waitForLeader(t, w.a)
	w.cl = w.a.client(10 * time.Second)
	w.listen = freePort(t)
	w.lbURL = fmt.Sprintf("http://127.0.0.1:%d/", w.listen)
	return w
}

// run runs webJobFile through the CLI, detached.
func (w *webScenario) run(t testing.TB, version string, sick, autoPromote bool) {
	t.Helper()
	content := webJobFile(w.ref, w.listen, version, sick, autoPromote)
	if code, out := runCLI(t, w.a, "web.hcl", content, "job", "run", "-detach", "web.hcl"); code != 0 {
		t.Fatalf("job run web.hcl: exit %d\n%s", code, out)
	}
}

// waitPassing waits for n passing instances and returns their ports.
func (w *webScenario) waitPassing(t testing.TB, n int, timeout time.Duration) []int {
	t.Helper()
	var ports []int
	waitFor(t, timeout, 100*time.Millisecond, func() (bool, string) {
		var err error
		ports, err = passingPorts(w.cl, "web")
		return err == nil && len(ports) == n, fmt.Sprintf("passing instances %v, %v", ports, err)
	})
	return ports
}

// dnsResolver asks the agent's DNS server only.
func dnsResolver(a *agentProc) *net.Resolver {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(a.opts.DNS))
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// srvPorts are the ports of NAME.service.nomad's SRV records, sorted.
func srvPorts(r *net.Resolver, name string) ([]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, srvs, err := r.LookupSRV(ctx, "", "", name+".service.nomad")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, s := range srvs {
		out = append(out, int(s.Port))
	}
	sort.Ints(out)
	return out, nil
}

// passingPorts are the ports of the service's instances discovery
// answers (passing ones only).
func passingPorts(cl *api.Client, name string) ([]int, error) {
	regs, _, err := cl.Services().Get(name, nil, nil)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, r := range regs {
		out = append(out, r.Port)
	}
	sort.Ints(out)
	return out, nil
}

// traffic sends GETs through the balancer from two clients until
// stopped, counting answers by version and every failure.
type traffic struct {
	url    string
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	byVer  map[string]int
	failed []string
	total  int
}

func startTraffic(url string) *traffic {
	tr := &traffic{url: url, stop: make(chan struct{}), byVer: map[string]int{}}
	c := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 2; w++ {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			for {
				select {
				case <-tr.stop:
					return
				default:
				}
				ver, err := lbGet(c, url)
				tr.mu.Lock()
				tr.total++
				if err != nil {
					tr.failed = append(tr.failed, fmt.Sprintf("%s: %v", time.Now().Format("15:04:05.000"), err))
				} else {
					tr.byVer[ver]++
				}
				tr.mu.Unlock()
				time.Sleep(5 * time.Millisecond) // pacing, not a wait for state
			}
		}()
	}
	return tr
}

func (tr *traffic) end() {
	close(tr.stop)
	tr.wg.Wait()
}

func (tr *traffic) summary() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return fmt.Sprintf("%d requests, by version %v, %d failed %v", tr.total, tr.byVer, len(tr.failed), tr.failed)
}

// lbGet sends one GET through the balancer and returns the version that
// answered.
func lbGet(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	f := strings.Fields(string(body))
	if len(f) != 2 {
		return "", fmt.Errorf("unexpected answer %q", body)
	}
	return f[0], nil
}

// waitDeployment waits for the newest deployment of the job's version to
// reach status and returns it.
func waitDeployment(t *testing.T, cl *api.Client, version uint64, status string, timeout time.Duration) *api.Deployment {
	t.Helper()
	var d *api.Deployment
	waitFor(t, timeout, 200*time.Millisecond, func() (bool, string) {
		var why string
		if d, why = deploymentOf(cl, "web", version); d == nil {
			return false, why
		}
		return d.Status == status, describe(d)
	})
	return d
}

// The services scenario of issue 18 on agent -dev with DNS and the
// balancer: a count-3 service job is found by discovery and DNS and
// answers 300 requests through the balancer; a canary of a version that
// fails its checks never gets traffic, fails the deployment and is rolled
// back; a good version with canary = 1 and auto_promote is rolled out
// with no request through the balancer failing.
func TestServicesDiscoveryDNSBalancerAndCanaries(t *testing.T) {
	w := newWebScenario(t)
	a, cl, lbURL := w.a, w.cl, w.lbURL

	// Version 0: three passing instances.
	w.run(t, "v1", false, false)
	waitDeployment(t, cl, 0, "successful", 2*time.Minute)
	ports := w.waitPassing(t, 3, 30*time.Second)
	res := dnsResolver(a)
	waitFor(t, 10*time.Second, 100*time.Millisecond, func() (bool, string) {
		got, err := srvPorts(res, "web")
		return err == nil && fmt.Sprint(got) == fmt.Sprint(ports), fmt.Sprintf("SRV ports %v, %v; want %v", got, err, ports)
	})
	c := &http.Client{Timeout: 10 * time.Second}
	waitFor(t, 10*time.Second, 50*time.Millisecond, func() (bool, string) {
		_, err := lbGet(c, lbURL)
		return err == nil, fmt.Sprintf("balancer: %v", err)
	})
	seen := map[string]int{}
	for i := 0; i < 300; i++ {
		resp, err := c.Get(lbURL)
		if err != nil {
			t.Fatalf("request %d through the balancer: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d through the balancer: %d %s", i, resp.StatusCode, body)
		}
		seen[strings.TrimSpace(string(body))]++
	}
	if len(seen) != 3 {
		t.Fatalf("300 requests were answered by %v; want all three instances", seen)
	}
	t.Logf("300 requests through the balancer, by instance: %v", seen)

	// Version 1 fails its checks: its canary gets no traffic, the
	// deployment fails and the job is reverted to version 0.
	tr := startTraffic(lbURL)
	w.run(t, "v2", true, false)
	d := waitDeployment(t, cl, 1, "failed", 2*time.Minute)
	t.Logf("sick canary: %s", describe(d))
	waitFor(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
		job, _, err := cl.Jobs().Info("web", nil)
		if err != nil {
			return false, err.Error()
		}
		return job.Version >= 2, fmt.Sprintf("job version %d; want the revert (2)", job.Version)
	})

	// Version 3: a good version, one canary promoted by itself, then the
	// rest rolled one at a time.
	w.run(t, "v3", false, true)
	job, _, err := cl.Jobs().Info("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitDeployment(t, cl, job.Version, "successful", 3*time.Minute)
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		ver, err := lbGet(c, lbURL)
		return err == nil && ver == "v3", fmt.Sprintf("balancer answers %q, %v", ver, err)
	})
	tr.end()
	t.Logf("traffic during both rollouts: %s", tr.summary())
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.failed) > 0 {
		t.Errorf("%d of %d requests through the balancer failed during the rollouts: %v", len(tr.failed), tr.total, tr.failed)
	}
	if tr.byVer["v2"] > 0 {
		t.Errorf("the failing canary answered %d requests; it must get none", tr.byVer["v2"])
	}
	if tr.byVer["v1"] == 0 || tr.byVer["v3"] == 0 {
		t.Errorf("answers by version %v; want both v1 and v3 while traffic ran", tr.byVer)
	}
	regs, _, err := cl.Services().Get("web", nil, nil)
	if err != nil || len(regs) != 3 {
		t.Fatalf("after the rollout discovery answers %d instances (%v); want 3", len(regs), err)
	}
}
