package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/nomadish/nomadish/api"
)

// constraintOperators are the operators a constraint accepts; "==" and
// "is" mean "=", "not" means "!=".
var constraintOperators = []string{
	"=", "==", "is", "!=", "not", ">", ">=", "<", "<=",
	"regexp", "set_contains", "set_contains_all", "set_contains_any",
	"version", "semver", "is_set", "is_not_set",
	"distinct_hosts", "distinct_property",
}

// affinityOperators are the constraint operators that make sense for a
// preference: all but distinct_hosts and distinct_property.
var affinityOperators = constraintOperators[:len(constraintOperators)-2]

// shorthands are attributes that name the operator and give the value in
// one: `regexp = "^linux"`, `distinct_hosts = true`.
var constraintShorthands = []string{"regexp", "version", "semver", "set_contains", "set_contains_all",
	"set_contains_any", "distinct_hosts", "distinct_property"}

var constraintSchema = &schema{attrs: append([]string{"attribute", "operator", "value"}, constraintShorthands...)}

var affinitySchema = &schema{attrs: []string{"attribute", "operator", "value", "weight",
	"regexp", "version", "semver", "set_contains", "set_contains_all", "set_contains_any"}}

func (s *scope) constraints(blocks hcl.Blocks) []*api.Constraint {
	var out []*api.Constraint
	for _, b := range blocksOf(blocks, "constraint") {
		cs := s.child(b)
		c := cs.content(b.Body, constraintSchema)
		if lt, op, rt, ok := cs.placementRule(b, c.Attributes, constraintOperators); ok {
			out = append(out, &api.Constraint{LTarget: lt, Operand: op, RTarget: rt})
		}
	}
	return out
}

// defaultAffinityWeight is the weight Nomad documents for an affinity.
const defaultAffinityWeight = 50

func (s *scope) affinities(blocks hcl.Blocks) []*api.Affinity {
	var out []*api.Affinity
	for _, b := range blocksOf(blocks, "affinity") {
		as := s.child(b)
		c := as.content(b.Body, affinitySchema)
		lt, op, rt, ok := as.placementRule(b, c.Attributes, affinityOperators)
		weight := int64(defaultAffinityWeight)
		if w, set := as.bounded(c.Attributes, "weight", -100, 100); set {
			if w == 0 {
				as.errorf(c.Attributes["weight"].Expr.Range().Ptr(), "Invalid affinity weight",
					"The weight of an affinity is between -100 and 100 and not 0: positive to prefer, negative to avoid.")
				ok = false
			}
			weight = w
		}
		if ok {
			out = append(out, &api.Affinity{LTarget: lt, Operand: op, RTarget: rt, Weight: int8(weight)})
		}
	}
	return out
}

// placementRule reads a constraint or affinity block's target, operator
// and value from its attributes a.
func (s *scope) placementRule(b *hcl.Block, a hcl.Attributes, operators []string) (lt, op, rt string, ok bool) {
	s.str(a, "attribute", &lt)
	s.str(a, "value", &rt)
	if attr, set := a["operator"]; set && s.str(a, "operator", &op) {
		if !contains(operators, op) {
			s.errorf(attr.Expr.Range().Ptr(), "Unknown operator",
				"%q is not an operator a %s block accepts.%s Accepted: %s.", op, b.Type, didYouMean(op, operators), quoteList(operators))
			return "", "", "", false
		}
	}
	for _, sh := range constraintShorthands {
		attr, set := a[sh]
		if !set {
			continue
		}
		if op != "" {
			s.errorf(attr.NameRange.Ptr(), "Conflicting operators",
				"%s = ... names the operator itself, but this %s already has the operator %q; give only one.", sh, b.Type, op)
			return "", "", "", false
		}
		switch sh {
		case "distinct_hosts":
			var on bool
			if !s.boolean(a, sh, &on) || !on {
				return "", "", "", false // distinct_hosts = false asks for nothing
			}
			op, rt = sh, "true"
		case "distinct_property":
			if !s.str(a, sh, &lt) {
				return "", "", "", false
			}
			op = sh
		default:
			if !s.str(a, sh, &rt) {
				return "", "", "", false
			}
			op = sh
		}
	}
	if op == "" {
		op = "="
	}
	switch op {
	case "distinct_hosts":
	case "distinct_property", "is_set", "is_not_set":
		if lt == "" {
			s.errorf(s.def.Ptr(), "Missing required argument",
				"The operator %q needs attribute = \"${...}\", the node attribute or metadata it applies to.", op)
			return "", "", "", false
		}
	default:
		if lt == "" {
			s.errorf(s.def.Ptr(), "Missing required argument",
				"The argument \"attribute\" is required with the operator %q: the node attribute or metadata to compare, e.g. \"${attr.kernel.name}\".", op)
			return "", "", "", false
		}
		if _, set := a["value"]; !set && !contains(constraintShorthands, op) {
			s.errorf(s.def.Ptr(), "Missing required argument",
				"The argument \"value\" is required with the operator %q.", op)
			return "", "", "", false
		}
	}
	return lt, op, rt, true
}

var spreadSchema = &schema{
	attrs:    []string{"attribute", "weight"},
	required: []string{"attribute"},
	blocks:   []string{"target"},
	labels:   map[string]string{"target": "value"},
}

var spreadTargetSchema = &schema{attrs: []string{"percent"}, required: []string{"percent"}}

func (s *scope) spreads(blocks hcl.Blocks) []*api.Spread {
	var out []*api.Spread
	for _, b := range blocksOf(blocks, "spread") {
		ss := s.child(b)
		c := ss.content(b.Body, spreadSchema)
		sp := &api.Spread{Weight: 50}
		ss.str(c.Attributes, "attribute", &sp.Attribute)
		if w, ok := ss.bounded(c.Attributes, "weight", 1, 100); ok {
			sp.Weight = int8(w)
		}
		for _, tb := range blocksOf(c.Blocks, "target") {
			ts := ss.child(tb)
			tc := ts.content(tb.Body, spreadTargetSchema)
			t := &api.SpreadTarget{Value: tb.Labels[0]}
			if p, ok := ts.bounded(tc.Attributes, "percent", 0, 100); ok {
				t.Percent = uint8(p)
			}
			sp.SpreadTarget = append(sp.SpreadTarget, t)
		}
		out = append(out, sp)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
