//go:build e2e && linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nomadish/nomadish/api"
)

// tickJobFile is a job of one WebAssembly task printing "tick" lines,
// its module fetched from module (an artifact on the agents' file roots).
func tickJobFile(id, module string) string {
	return fmt.Sprintf(`job %q {
  datacenters = ["dc1"]
  type        = "service"

  group "g" {
    task "t" {
      driver = "wasm"

      artifact {
        source = %q
      }

      config {
        module = "local/ticker.wasm"
      }

      resources {
        memory = 64
      }
    }
  }
}
`, id, module)
}

// mrJobFile is a multiregion job of one WebAssembly task deployed to
// regions a then b (max_parallel = 1), one allocation in each.
func mrJobFile(module, rev string) string {
	return fmt.Sprintf(`job "mr" {
  datacenters = ["dc1"]
  type        = "service"

  meta {
    rev = %q
  }

  multiregion {
    strategy {
      max_parallel = 1
    }
    region "a" {
      count = 1
    }
    region "b" {
      count = 1
    }
  }

  group "g" {
    count = 0

    update {
      max_parallel      = 1
      min_healthy_time  = "1s"
      healthy_deadline  = "30s"
      progress_deadline = "1m"
    }

    task "t" {
      driver = "wasm"

      artifact {
        source = %q
      }

      config {
        module = "local/ticker.wasm"
      }

      resources {
        memory = 64
      }
    }
  }
}
`, rev, module)
}

// latestStatus is the status of the job's newest deployment in the
// client's region, "" without one.
func latestStatus(cl *api.Client, job string) string {
	d, _, err := cl.Jobs().LatestDeployment(job, nil)
	switch {
	case err != nil:
		return "error: " + err.Error()
	case d == nil:
		return ""
	}
	return d.Status
}

// region is one region of the test: a server with a client, on a
// loopback address of its own.
func startRegion(t *testing.T, name, bind, roots string) *agentProc {
	return startServer(t, name+"1", 0, serverOpts{Region: name, BootstrapExpect: 1, Client: true, Bind: bind,
		ClientExtra: fmt.Sprintf("  artifact {\n    file_roots = [%q]\n  }\n", roots)})
}

// runningAlloc waits for a running allocation of job in the agent's
// region and returns its ID.
func runningAlloc(t *testing.T, cl *api.Client, job string) string {
	t.Helper()
	var id string
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		allocs, _, err := cl.Jobs().Allocations(job, nil)
		if err != nil {
			return false, err.Error()
		}
		seen := map[string]int{}
		for _, a := range allocs {
			seen[a.ClientStatus]++
			if a.ClientStatus == "running" {
				id = a.ID
				return true, ""
			}
		}
		return false, fmt.Sprintf("allocations of %s by status: %v", job, seen)
	})
	return id
}

// cutLink drops the traffic between two agents until the returned
// function (also run at cleanup) restores it: every packet from one's
// address to the other's (the servers dial each other from their bind
// address, and gossip over UDP from it), and every TCP packet to either's
// WAN gossip port (memberlist's TCP dials come from any loopback address).
func cutLink(t *testing.T, a, b *agentProc) (restore func()) {
	t.Helper()
	rules := [][]string{
		{"-s", a.host(), "-d", b.host(), "-j", "DROP"},
		{"-s", b.host(), "-d", a.host(), "-j", "DROP"},
		{"-d", b.host(), "-p", "tcp", "--dport", strconv.Itoa(b.ports.SerfWAN), "-j", "DROP"},
		{"-d", a.host(), "-p", "tcp", "--dport", strconv.Itoa(a.ports.SerfWAN), "-j", "DROP"},
	}
	var added [][]string
	restore = func() {
		for _, r := range added {
			if out, err := exec.Command("iptables", append([]string{"-D", "INPUT"}, r...)...).CombinedOutput(); err != nil {
				t.Errorf("iptables -D INPUT %v: %v\n%s", r, err, out)
			}
		}
		added = nil
	}
	t.Cleanup(restore)
	for _, r := range rules {
		if out, err := exec.Command("iptables", append([]string{"-I", "INPUT"}, r...)...).CombinedOutput(); err != nil {
			t.Fatalf("iptables -I INPUT %v: %v\n%s", r, err, out)
		}
		added = append(added, r)
	}
	return restore
}

// wanSees reports whether a's WAN pool lists every server named alive.
func wanSees(cl *api.Client, names ...string) (bool, string) {
	members, err := cl.Agent().MembersWAN(nil)
	if err != nil {
		return false, err.Error()
	}
	var alive []string
	for _, m := range members.Members {
		if m.Status == "alive" {
			alive = append(alive, m.Name)
		}
	}
	for _, n := range names {
		if !slices.Contains(alive, n) {
			return false, fmt.Sprintf("WAN members alive: %v; want %v", alive, names)
		}
	}
	return true, ""
}

// Two regions of one server and one client each, federated over the WAN
// pool on loopback: a job sent to region a with -region b runs in b, its
// logs are read through a, and with the link between the two cut each
// region goes on accepting and running its own jobs while requests for
// the other get a bounded error naming it; the link restored, the pool
// heals by itself.
func TestFederationTwoRegions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cutting the link between the regions needs root (iptables)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("cutting the link between the regions needs iptables on PATH (.ci/run installs it)")
	}
	roots, module := tickerModule(t)
	a := startRegion(t, "a", "127.0.0.2", roots)
	b := startRegion(t, "b", "127.0.0.3", roots)
	ca, cb := a.client(20*time.Second), b.client(20*time.Second)
	waitForLeader(t, a)
	waitForLeader(t, b)

	if code, out := runCLI(t, a, "x", "", "server", "join", "-wan", b.wanAddr()); code != 0 {
		t.Fatalf("server join -wan: exit %d\n%s", code, out)
	}
	waitFor(t, 30*time.Second, 100*time.Millisecond, func() (bool, string) {
		regions, err := ca.Regions().List()
		return err == nil && slices.Equal(regions, []string{"a", "b"}), fmt.Sprintf("regions seen from a: %v, %v", regions, err)
	})
	if code, out := runCLI(t, a, "x", "", "server", "members", "-wan"); code != 0 || !strings.Contains(out, "a1.a") || !strings.Contains(out, "b1.b") {
		t.Fatalf("server members -wan: exit %d\n%s", code, out)
	}

	// A job sent to a for region b runs in b, not a.
	if code, out := runCLI(t, a, "tick.hcl", tickJobFile("tick", module), "job", "run", "-detach", "-region", "b", "tick.hcl"); code != 0 {
		t.Fatalf("job run -region b through a: exit %d\n%s", code, out)
	}
	allocB := runningAlloc(t, cb, "tick")
	if _, _, err := ca.Jobs().Info("tick", nil); err == nil {
		t.Fatal("the job sent for region b is also in region a")
	}
	// Its status and its logs, asked of a.
	if code, out := runCLI(t, a, "x", "", "job", "status", "-region", "b", "tick"); code != 0 || !strings.Contains(out, "running") {
		t.Fatalf("job status -region b through a: exit %d\n%s", code, out)
	}
	waitFor(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
		code, out := runCLI(t, a, "x", "", "alloc", "logs", "-region", "b", allocB, "t")
		return code == 0 && strings.Contains(out, "tick"), fmt.Sprintf("alloc logs -region b through a: exit %d\n%s", code, out)
	})

	// A multiregion job sent to a deploys in a, then in b.
	if code, out := runCLI(t, a, "mr.hcl", mrJobFile(module, "1"), "job", "run", "-detach", "mr.hcl"); code != 0 {
		t.Fatalf("job run mr.hcl: exit %d\n%s", code, out)
	}
	var order []string
	waitFor(t, 90*time.Second, 100*time.Millisecond, func() (bool, string) {
		sa, sb := latestStatus(ca, "mr"), latestStatus(cb, "mr")
		if s := sa + "/" + sb; len(order) == 0 || order[len(order)-1] != s {
			order = append(order, s)
		}
		if strings.HasPrefix(sa, "error") || strings.HasPrefix(sb, "error") {
			return false, fmt.Sprintf("deployments a/b: %v", order)
		}
		if sb != "" && sb != "pending" && (sa == "" || sa == "pending" || sa == "running") {
			t.Fatalf("region b's deployment is %s while a's is %q: b went before a (states seen: %v)", sb, sa, order)
		}
		return sa == "successful" && sb == "successful", fmt.Sprintf("deployments a/b: %v", order)
	})
	t.Logf("multiregion deployment states seen (a/b): %v", order)
	runningAlloc(t, ca, "mr")
	runningAlloc(t, cb, "mr")
	if code, out := runCLI(t, a, "x", "", "job", "status", "mr"); code != 0 || !strings.Contains(out, "Multiregion Deployment") ||
		strings.Count(out, "successful") < 3 {
		t.Fatalf("job status of the multiregion job: exit %d\n%s", code, out)
	}

	// A new version of it, and the link cut at once: a deploys and then
	// waits, blocked, for b, which cannot be reached; b waits, pending,
	// for a. Both go on when the link is back (below).
	if code, out := runCLI(t, a, "mr.hcl", mrJobFile(module, "2"), "job", "run", "-detach", "mr.hcl"); code != 0 {
		t.Fatalf("job run mr.hcl (version 2): exit %d\n%s", code, out)
	}

	// Cut the link: each region still schedules and runs its own jobs;
	// a request from a for b fails within its bound, naming b.
	restore := cutLink(t, a, b)
	start := time.Now()
	_, _, err := ca.Jobs().Info("tick", &api.QueryOptions{Region: "b"})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), `region "b"`) {
		t.Fatalf("a read for region b with the link cut: %v; want an error naming the region", err)
	}
	if took > 40*time.Second {
		t.Fatalf("a read for region b with the link cut took %v; want it bounded (15s forward timeout)", took)
	}
	t.Logf("read for region b with the link cut: %v after %v", err, took.Round(time.Millisecond))

	if code, out := runCLI(t, a, "tick.hcl", tickJobFile("tick-a", module), "job", "run", "-detach", "tick.hcl"); code != 0 {
		t.Fatalf("job run in a, cut off: exit %d\n%s", code, out)
	}
	if code, out := runCLI(t, b, "tick.hcl", tickJobFile("tick-b", module), "job", "run", "-detach", "tick.hcl"); code != 0 {
		t.Fatalf("job run in b, cut off: exit %d\n%s", code, out)
	}
	runningAlloc(t, ca, "tick-a")
	runningAlloc(t, cb, "tick-b")
	if id := runningAlloc(t, cb, "tick"); id != allocB {
		t.Errorf("b's first allocation %s was replaced by %s while cut off", allocB, id)
	}

	deploymentSays := func(cl *api.Client, status, desc string) (bool, string) {
		d, _, err := cl.Jobs().LatestDeployment("mr", nil)
		if err != nil || d == nil || d.JobVersion != 1 {
			return false, fmt.Sprintf("latest deployment of mr: %+v, %v", d, err)
		}
		return d.Status == status && strings.Contains(d.StatusDescription, desc), fmt.Sprintf("version 1 deployment: %s, %q", d.Status, d.StatusDescription)
	}
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		return deploymentSays(ca, "blocked", `region "b", which cannot be reached`)
	})
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) {
		return deploymentSays(cb, "pending", `region "a", which cannot be reached`)
	})

	// Restored: the pools merge again with no one joining by hand, and a
	// forwards to b again; the multiregion deployment goes on.
	restore()
	waitFor(t, 2*time.Minute, 500*time.Millisecond, func() (bool, string) { return wanSees(ca, "a1.a", "b1.b") })
	waitFor(t, time.Minute, 500*time.Millisecond, func() (bool, string) {
		job, _, err := ca.Jobs().Info("tick-b", &api.QueryOptions{Region: "b"})
		return err == nil && job.ID == "tick-b", fmt.Sprintf("read of b's job through a: %v", err)
	})
	waitFor(t, 2*time.Minute, 200*time.Millisecond, func() (bool, string) { return deploymentSays(cb, "successful", "") })
	waitFor(t, time.Minute, 200*time.Millisecond, func() (bool, string) { return deploymentSays(ca, "successful", "") })
}
