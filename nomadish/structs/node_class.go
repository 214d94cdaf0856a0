package structs

import (
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

// NodeUniqueNamespace prefixes attribute and meta keys that are unique to
// one node (its ID, name, IP address). They are left out of the computed
// class, so that nodes alike in everything else share one class.
const NodeUniqueNamespace = "unique."

// computedClassPrefix versions the hash, so a change of what is hashed
// never collides with classes computed by an older server.
const computedClassPrefix = "v1:"

// ComputeClass sets ComputedClass to a hash of every field that decides
// whether a job's constraints and drivers accept the node: datacenter,
// node pool, node class, drivers and their health, and attributes and meta
// outside the unique namespace. Two nodes with the same computed class
// pass or fail the same class-level feasibility checks, so the scheduler
// evaluates those once per class. Resources, status, eligibility and drain
// are checked per node and are not part of the class.
func (n *Node) ComputeClass() {
	n.ComputedClass = n.HashClass()
}

// HashClass returns the computed class ComputeClass would set, without
// changing the node.
func (n *Node) HashClass() string {
	h := fnv.New64a()
	write := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	write("dc", n.Datacenter, "pool", n.NodePool, "class", n.NodeClass)
	writeMap := func(tag string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			if !strings.HasPrefix(k, NodeUniqueNamespace) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			write(tag, k, m[k])
		}
	}
	writeMap("attr", n.Attributes)
	writeMap("meta", n.Meta)
	names := make([]string, 0, len(n.Drivers))
	for name := range n.Drivers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := n.Drivers[name]
		if d == nil {
			continue
		}
		write("driver", name, strconv.FormatBool(d.Detected), strconv.FormatBool(d.Healthy))
		writeMap("driver."+name, d.Attributes)
	}
	return computedClassPrefix + strconv.FormatUint(h.Sum64(), 16)
}

// TargetEscapesClass reports whether a constraint or affinity target reads
// something the computed class leaves out (a unique attribute, the node's
// ID or name), so that its result cannot be cached per class.
func TargetEscapesClass(target string) bool {
	return strings.Contains(target, "${node.unique.") ||
		strings.Contains(target, "${attr."+NodeUniqueNamespace) ||
		strings.Contains(target, "${meta."+NodeUniqueNamespace)
}

// ConstraintEscapesClass reports whether either side of c escapes the
// computed class.
func ConstraintEscapesClass(c *Constraint) bool {
	return TargetEscapesClass(c.LTarget) || TargetEscapesClass(c.RTarget)
}
