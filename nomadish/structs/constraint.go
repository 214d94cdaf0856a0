package structs

// Constraint operators. An empty operand means "=".
const (
	ConstraintDistinctHosts     = "distinct_hosts"
	ConstraintDistinctProperty  = "distinct_property"
	ConstraintRegex             = "regexp"
	ConstraintVersion           = "version"
	ConstraintSemver            = "semver"
	ConstraintSetContains       = "set_contains"
	ConstraintSetContainsAll    = "set_contains_all"
	ConstraintSetContainsAny    = "set_contains_any"
	ConstraintAttributeIsSet    = "is_set"
	ConstraintAttributeIsNotSet = "is_not_set"
)

// validOperands lists every operand a constraint or affinity accepts.
var validOperands = []string{
	"=", "==", "is", "!=", "not", ">", ">=", "<", "<=",
	ConstraintRegex, ConstraintVersion, ConstraintSemver,
	ConstraintSetContains, ConstraintSetContainsAll, ConstraintSetContainsAny,
	ConstraintAttributeIsSet, ConstraintAttributeIsNotSet,
	ConstraintDistinctHosts, ConstraintDistinctProperty,
}

// Constraint restricts placement to nodes where LTarget Operand RTarget
// holds, for example `${attr.kernel.name} = linux`.
type Constraint struct {
	LTarget string
	RTarget string
	Operand string
}

// Affinity prefers (positive Weight) or avoids (negative) matching nodes.
type Affinity struct {
	LTarget string
	RTarget string
	Operand string
	Weight  int8
}

// Spread distributes allocations across the values of an attribute.
type Spread struct {
	Attribute    string
	Weight       int8
	SpreadTarget []*SpreadTarget
}

// SpreadTarget is the share of allocations wanted for one attribute value.
type SpreadTarget struct {
	Value   string
	Percent uint8
}

func (c *Constraint) validate(v validator) {
	if !isValidOperand(c.Operand) {
		v.fail("Operand", "unknown operand %q; accepted: %s", c.Operand, joinQuoted(validOperands))
		return
	}
	switch c.Operand {
	case ConstraintDistinctHosts:
		// Needs no targets.
	case ConstraintAttributeIsSet, ConstraintAttributeIsNotSet:
		if c.LTarget == "" {
			v.fail("LTarget", "required with operand %q", c.Operand)
		}
	case ConstraintDistinctProperty:
		if c.LTarget == "" {
			v.fail("LTarget", "required with operand %q", c.Operand)
		}
	default:
		if c.LTarget == "" {
			v.fail("LTarget", "required")
		}
		if c.RTarget == "" {
			v.fail("RTarget", "required with operand %q", c.operand())
		}
	}
}

func (c *Constraint) operand() string {
	if c.Operand == "" {
		return "="
	}
	return c.Operand
}

func (a *Affinity) validate(v validator) {
	switch a.Operand {
	case ConstraintDistinctHosts, ConstraintDistinctProperty:
		v.fail("Operand", "%q is not allowed in an affinity", a.Operand)
	default:
		if !isValidOperand(a.Operand) {
			v.fail("Operand", "unknown operand %q; accepted: %s", a.Operand, joinQuoted(validOperands))
		}
	}
	if a.LTarget == "" {
		v.fail("LTarget", "required")
	}
	if a.Weight == 0 {
		v.fail("Weight", "must be non-zero, between -100 and 100")
	}
	if a.Weight < -100 || a.Weight > 100 {
		v.fail("Weight", "must be between -100 and 100, got %d", a.Weight)
	}
}

func (s *Spread) validate(v validator) {
	if s.Attribute == "" {
		v.fail("Attribute", "required")
	}
	if s.Weight <= 0 || s.Weight > 100 {
		v.fail("Weight", "must be between 1 and 100, got %d", s.Weight)
	}
	seen := map[string]bool{}
	sum := 0
	for i, t := range s.SpreadTarget {
		if t == nil {
			continue // checkBounds reports it
		}
		tv := v.index("SpreadTarget", i)
		if seen[t.Value] {
			tv.fail("Value", "duplicate target %q", t.Value)
		}
		seen[t.Value] = true
		if t.Percent > 100 {
			tv.fail("Percent", "must be between 0 and 100, got %d", t.Percent)
		}
		sum += int(t.Percent)
	}
	if sum > 100 {
		v.fail("SpreadTarget", "percentages add up to %d; at most 100 is accepted", sum)
	}
}

func isValidOperand(op string) bool {
	if op == "" {
		return true
	}
	for _, o := range validOperands {
		if o == op {
			return true
		}
	}
	return false
}
