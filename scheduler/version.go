package scheduler

import (
	"fmt"
	"strconv"
	"strings"
)

// version is a parsed dotted version such as "1.2.3-beta.1+build": numeric
// segments, an optional pre-release and ignored build metadata. This is a
// small comparator of our own rather than a module dependency; it covers
// what the "version" and "semver" constraint operators need.
type version struct {
	segments   []int64
	prerelease string
}

// parseVersion reads a version. An optional leading "v" is accepted. In
// strict (semver) mode at most three segments are allowed.
func parseVersion(s string, strict bool) (*version, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	v := &version{}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.prerelease = s[i+1:]
		s = s[:i]
		if v.prerelease == "" {
			return nil, fmt.Errorf("version %q: empty pre-release", s)
		}
	}
	if s == "" {
		return nil, fmt.Errorf("empty version")
	}
	parts := strings.Split(s, ".")
	if strict && len(parts) > 3 {
		return nil, fmt.Errorf("version %q: semver has at most three segments", s)
	}
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("version %q: segment %q is not a non-negative number", s, p)
		}
		v.segments = append(v.segments, n)
	}
	for len(v.segments) < 3 {
		v.segments = append(v.segments, 0)
	}
	return v, nil
}

// compare returns -1, 0 or 1. Missing segments count as zero; a version
// with a pre-release sorts before the same version without one.
func (v *version) compare(o *version) int {
	n := len(v.segments)
	if len(o.segments) > n {
		n = len(o.segments)
	}
	for i := 0; i < n; i++ {
		a, b := segment(v.segments, i), segment(o.segments, i)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.prerelease == o.prerelease:
		return 0
	case v.prerelease == "":
		return 1
	case o.prerelease == "":
		return -1
	}
	return comparePrerelease(v.prerelease, o.prerelease)
}

func segment(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// comparePrerelease orders dot-separated identifiers: numeric ones
// numerically and before alphanumeric ones, others lexically, and a
// shorter list before a longer one it prefixes.
func comparePrerelease(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aerr := strconv.ParseUint(as[i], 10, 64)
		bn, berr := strconv.ParseUint(bs[i], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			if an != bn {
				if an < bn {
					return -1
				}
				return 1
			}
		case aerr == nil:
			return -1
		case berr == nil:
			return 1
		default:
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(as) < len(bs):
		return -1
	case len(as) > len(bs):
		return 1
	}
	return 0
}

// versionConstraint is a comma-separated conjunction of clauses such as
// ">= 1.2, < 2.0" or "~> 1.4.1".
type versionConstraint struct {
	clauses []versionClause
	strict  bool
}

type versionClause struct {
	op string
	v  *version
	// segments is how many segments the clause's version was written
	// with, which "~>" needs.
	segments int
}

var versionOps = []string{">=", "<=", "!=", "~>", "==", "=", ">", "<"}

// parseVersionConstraint reads a constraint; strict selects semver rules.
func parseVersionConstraint(s string, strict bool) (*versionConstraint, error) {
	vc := &versionConstraint{strict: strict}
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return nil, fmt.Errorf("version constraint %q: empty clause", s)
		}
		op := "="
		for _, o := range versionOps {
			if strings.HasPrefix(raw, o) {
				op = o
				raw = strings.TrimSpace(raw[len(o):])
				break
			}
		}
		if op == "==" {
			op = "="
		}
		v, err := parseVersion(raw, strict)
		if err != nil {
			return nil, fmt.Errorf("version constraint %q: %w", s, err)
		}
		n := strings.Count(strings.SplitN(strings.TrimPrefix(raw, "v"), "-", 2)[0], ".") + 1
		vc.clauses = append(vc.clauses, versionClause{op: op, v: v, segments: n})
	}
	return vc, nil
}

// check reports whether v satisfies every clause. In "version" (not
// strict) mode a pre-release version only satisfies a clause whose own
// version is a pre-release of the same release, as go-version does, so
// that "1.3.0-beta" does not satisfy ">= 1.2"; semver mode orders
// pre-releases like any other version.
func (vc *versionConstraint) check(v *version) bool {
	for _, c := range vc.clauses {
		if !vc.strict && v.prerelease != "" && c.op != "!=" {
			if c.v.prerelease == "" || c.v.compareRelease(v) != 0 {
				return false
			}
		}
		cmp := v.compare(c.v)
		ok := false
		switch c.op {
		case "=":
			ok = cmp == 0
		case "!=":
			ok = cmp != 0
		case ">":
			ok = cmp > 0
		case "<":
			ok = cmp < 0
		case ">=":
			ok = cmp >= 0
		case "<=":
			ok = cmp <= 0
		case "~>":
			ok = cmp >= 0 && v.compare(c.pessimisticCeiling()) < 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// compareRelease compares segments only.
func (v *version) compareRelease(o *version) int {
	a, b := *v, *o
	a.prerelease, b.prerelease = "", ""
	return a.compare(&b)
}

// pessimisticCeiling is the exclusive upper bound of "~> X": the
// second-to-last written segment bumped, later ones zero. "~> 1.2" allows
// up to but excluding 2.0; "~> 1.2.3" up to 1.3.0.
func (c versionClause) pessimisticCeiling() *version {
	n := c.segments
	if n < 2 {
		n = 2
	}
	segs := make([]int64, len(c.v.segments))
	copy(segs, c.v.segments[:n-1])
	segs[n-2]++
	return &version{segments: segs}
}
