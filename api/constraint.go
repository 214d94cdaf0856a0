package api

// Constraint restricts placement to nodes where LTarget relates to RTarget
// by Operand (e.g. "=", "!=", "regexp", "version", "distinct_hosts").
type Constraint struct {
	LTarget string
	RTarget string
	Operand string
}

// NewConstraint returns a constraint "left operand right".
func NewConstraint(left, operand, right string) *Constraint {
	return &Constraint{LTarget: left, RTarget: right, Operand: operand}
}

// Affinity prefers (positive Weight) or avoids (negative Weight, -100..100)
// nodes where LTarget relates to RTarget by Operand.
type Affinity struct {
	LTarget string
	RTarget string
	Operand string
	Weight  int8
}

// Spread asks the scheduler to spread allocations over the values of a node
// Attribute, optionally in the given proportions.
type Spread struct {
	Attribute    string
	Weight       int8
	SpreadTarget []*SpreadTarget
}

// SpreadTarget is the share, in percent, of allocations wanted where the
// spread attribute equals Value.
type SpreadTarget struct {
	Value   string
	Percent uint8
}
