package scheduler

import (
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// resolveTarget returns the value of a constraint target on a node and
// whether the node has it. A target that is not an interpolation is a
// literal. Recognised: ${node.unique.id}, ${node.unique.name},
// ${node.datacenter}, ${node.class}, ${node.pool}, ${attr.<key>} and
// ${meta.<key>}.
func resolveTarget(target string, n *structs.Node) (string, bool) {
	if !strings.HasPrefix(target, "${") || !strings.HasSuffix(target, "}") {
		return target, true
	}
	key := target[2 : len(target)-1]
	switch key {
	case "node.unique.id":
		return n.ID, true
	case "node.unique.name":
		return n.Name, true
	case "node.datacenter":
		return n.Datacenter, true
	case "node.class":
		return n.NodeClass, true
	case "node.pool":
		return n.NodePool, true
	}
	if attr, ok := strings.CutPrefix(key, "attr."); ok {
		v, found := n.Attributes[attr]
		return v, found
	}
	if meta, ok := strings.CutPrefix(key, "meta."); ok {
		v, found := n.Meta[meta]
		return v, found
	}
	return "", false
}

// constraintString is how a constraint is named in metrics and messages:
// "${attr.kernel.name} = windows".
func constraintString(c *structs.Constraint) string {
	op := c.Operand
	if op == "" {
		op = "="
	}
	if c.RTarget == "" {
		return c.LTarget + " " + op
	}
	return c.LTarget + " " + op + " " + c.RTarget
}

// meetsConstraint reports whether the node satisfies one constraint.
// distinct_hosts and distinct_property depend on other placements and are
// checked by their own iterators; here they pass.
func (c *evalContext) meetsConstraint(con *structs.Constraint, n *structs.Node) bool {
	switch con.Operand {
	case structs.ConstraintDistinctHosts, structs.ConstraintDistinctProperty:
		return true
	}
	l, lok := resolveTarget(con.LTarget, n)
	r, rok := resolveTarget(con.RTarget, n)
	return c.checkOperand(con.Operand, l, r, lok, rok)
}

// checkOperand applies an operator to resolved values. lok and rok say
// whether each side exists on the node.
func (c *evalContext) checkOperand(op, l, r string, lok, rok bool) bool {
	switch op {
	case "", "=", "==", "is":
		return lok && rok && l == r
	case "!=", "not":
		return !(lok && rok && l == r)
	case "<", "<=", ">", ">=":
		return lok && rok && compareOrdered(op, l, r)
	case structs.ConstraintAttributeIsSet:
		return lok
	case structs.ConstraintAttributeIsNotSet:
		return !lok
	}
	if !lok || !rok {
		return false
	}
	switch op {
	case structs.ConstraintRegex:
		re := c.compiledRegexp(r)
		return re != nil && re.MatchString(l)
	case structs.ConstraintVersion, structs.ConstraintSemver:
		strict := op == structs.ConstraintSemver
		vc := c.parsedVersionConstraint(r, strict)
		if vc == nil {
			return false
		}
		v, err := parseVersion(l, strict)
		return err == nil && vc.check(v)
	case structs.ConstraintSetContains, structs.ConstraintSetContainsAll:
		have := splitSet(l)
		for _, want := range splitList(r) {
			if !have[want] {
				return false
			}
		}
		return true
	case structs.ConstraintSetContainsAny:
		have := splitSet(l)
		for _, want := range splitList(r) {
			if have[want] {
				return true
			}
		}
		return false
	}
	return false
}

// compareOrdered compares numerically when both sides parse as numbers,
// otherwise lexically.
func compareOrdered(op, l, r string) bool {
	var cmp int
	lf, lerr := strconv.ParseFloat(l, 64)
	rf, rerr := strconv.ParseFloat(r, 64)
	if lerr == nil && rerr == nil {
		switch {
		case lf < rf:
			cmp = -1
		case lf > rf:
			cmp = 1
		}
	} else {
		cmp = strings.Compare(l, r)
	}
	switch op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	}
	return cmp >= 0
}

func splitList(s string) []string {
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func splitSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, p := range splitList(s) {
		out[p] = true
	}
	return out
}
