package scheduler

import (
	"github.com/nomadish/nomadish/nomadish/structs"
)

// spreadIterator scores nodes by how a placement there would move each
// spread attribute toward its targets. With targets, a value's desired
// count is its percentage of the group's count (values not named share
// what the targets leave of 100%), and a node scores (desired − current)
// / desired, clipped to [-1, 1]; a value with nothing desired scores -1.
// Without targets the spread is even: a node scores (max − current) / max
// where max is the most-used value's count, so values with fewer
// allocations (including ones with none yet) are preferred. A node
// lacking the attribute scores -1. Blocks are combined by weight.
type spreadIterator struct {
	ctx    *evalContext
	source rankIterator
	g      *groupInfo
}

func (it *spreadIterator) Reset() { it.source.Reset() }

func (it *spreadIterator) Next() *rankedNode {
	r := it.source.Next()
	if r == nil || len(it.g.spreads) == 0 {
		return r
	}
	total, weights := 0.0, 0.0
	for _, s := range it.g.spreads {
		w := float64(s.Weight)
		if w <= 0 {
			w = 1
		}
		weights += w
		total += w * it.score(s, r.node)
	}
	if weights > 0 {
		r.addScore(scoreSpread, total/weights)
	}
	return r
}

func (it *spreadIterator) score(s *structs.Spread, n *structs.Node) float64 {
	v, ok := resolveTarget(s.Attribute, n)
	if !ok {
		return -1
	}
	counts, err := it.ctx.propertyCounts(it.g.job, it.g.tg.Name, s.Attribute)
	if err != nil {
		it.ctx.logger.Error("spread: counting", "error", err)
		return 0
	}
	if len(s.SpreadTarget) == 0 {
		max := 0
		for _, c := range counts.values {
			if c > max {
				max = c
			}
		}
		if max == 0 {
			return 0
		}
		return float64(max-counts.values[v]) / float64(max)
	}
	desiredPct, current := -1.0, 0
	named, sumPct := map[string]bool{}, 0.0
	for _, t := range s.SpreadTarget {
		named[t.Value] = true
		sumPct += float64(t.Percent)
		if t.Value == v {
			desiredPct = float64(t.Percent)
			current = counts.values[v]
		}
	}
	if desiredPct < 0 {
		// An unnamed value shares the remainder with every other unnamed one.
		desiredPct = 100 - sumPct
		for val, c := range counts.values {
			if !named[val] {
				current += c
			}
		}
	}
	desired := desiredPct / 100 * float64(it.g.tg.Count)
	if desired <= 0 {
		return -1
	}
	score := (desired - float64(current)) / desired
	if score > 1 {
		score = 1
	} else if score < -1 {
		score = -1
	}
	return score
}
