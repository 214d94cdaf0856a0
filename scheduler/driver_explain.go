package scheduler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// reasonMissingDrivers names the driver check in filter metrics, as Nomad
// names it, so that a pipeline reading ConstraintFiltered finds the same
// key.
const reasonMissingDrivers = "missing drivers"

// nodeDriver reports whether node n can run tasks of driver d (healthy),
// and whether it knows the driver at all, healthy or not (present). A
// node that reports drivers only as attributes has "driver.<name>" true.
func nodeDriver(n *structs.Node, d string) (healthy, present bool) {
	if info, ok := n.Drivers[d]; ok && info != nil {
		return info.Detected && info.Healthy, info.Detected
	}
	if v, ok := n.Attributes["driver."+d]; ok {
		b, err := strconv.ParseBool(v)
		return err == nil && b, err == nil && b
	}
	return false, false
}

// explainMissingDrivers says why the eligible nodes failed a group's
// driver check: which of the group's drivers no node has (or has only
// unhealthy), and which drivers the nodes do have. It runs once per
// failed group, after placement gave up, so it may walk every node; the
// per-node check (driverChecker) stays allocation-free.
func explainMissingDrivers(drivers []string, nodes []*structs.Node) string {
	if len(drivers) == 0 {
		return ""
	}
	have := map[string]bool{}
	healthyOn := make([]int, len(drivers))
	unhealthyOn := make([]int, len(drivers))
	for _, n := range nodes {
		for name, info := range n.Drivers {
			if info != nil && info.Detected && info.Healthy {
				have[name] = true
			}
		}
		for k, v := range n.Attributes {
			if name, ok := strings.CutPrefix(k, "driver."); ok && !strings.Contains(name, ".") {
				if _, listed := n.Drivers[name]; !listed {
					if b, err := strconv.ParseBool(v); err == nil && b {
						have[name] = true
					}
				}
			}
		}
		for i, d := range drivers {
			switch healthy, present := nodeDriver(n, d); {
			case healthy:
				healthyOn[i]++
			case present:
				unhealthyOn[i]++
			}
		}
	}

	var missing, unhealthy []string
	for i, d := range drivers {
		if healthyOn[i] > 0 {
			continue
		}
		if unhealthyOn[i] > 0 {
			unhealthy = append(unhealthy, fmt.Sprintf("driver %q is detected but unhealthy on %s", d, plural(unhealthyOn[i], "node")))
			continue
		}
		missing = append(missing, d)
	}

	var parts []string
	switch {
	case len(missing) > 0:
		parts = append(parts, "no node has "+namedList("driver", missing))
	case len(unhealthy) == 0:
		// Every driver is healthy somewhere, never all on one node.
		parts = append(parts, "no node has all of "+namedList("driver", drivers))
	}
	parts = append(parts, unhealthy...)

	names := make([]string, 0, len(have))
	for name := range have {
		names = append(names, name)
	}
	sort.Strings(names)
	nodesPhrase := fmt.Sprintf("the %d eligible nodes have", len(nodes))
	if len(nodes) == 1 {
		nodesPhrase = "the eligible node has"
	}
	if len(names) == 0 {
		parts = append(parts, nodesPhrase+" no healthy driver")
	} else {
		parts = append(parts, nodesPhrase+" "+namedList("driver", names))
	}
	return strings.Join(parts, "; ")
}

// namedList is `driver "a"` or `drivers "a", "b"`.
func namedList(noun string, names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(names) != 1 {
		noun += "s"
	}
	return noun + " " + strings.Join(quoted, ", ")
}

// plural is "1 node" or "3 nodes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// explainFailures adds to each failed group's metric the sentences that
// say more than a count: today, which drivers are missing.
func explainFailures(failed map[string]*structs.AllocMetric, groups func(name string) *groupInfo, nodes []*structs.Node) {
	for name, m := range failed {
		if m.ConstraintFiltered[reasonMissingDrivers] == 0 {
			continue
		}
		g := groups(name)
		if g == nil {
			continue
		}
		if msg := explainMissingDrivers(g.drivers, nodes); msg != "" {
			if m.ConstraintDetails == nil {
				m.ConstraintDetails = map[string]string{}
			}
			m.ConstraintDetails[reasonMissingDrivers] = msg
		}
	}
}
