package scheduler

// This file holds the selection stages: how many ranked nodes to look at,
// and which one wins.

// maxSkippedNodes bounds how many nodes with a negative score the limit
// stage sets aside in favour of later ones.
const maxSkippedNodes = 3

// limitIterator passes at most limit ranked nodes. Nodes scoring below
// zero (penalised by anti-affinity or a rescheduling penalty) are set
// aside, up to maxSkippedNodes, and returned only if the source runs out
// before the limit is reached.
type limitIterator struct {
	source  rankIterator
	limit   int
	seen    int
	skipped []*rankedNode
}

func (it *limitIterator) setLimit(n int) { it.limit = n }

func (it *limitIterator) Reset() {
	it.source.Reset()
	it.seen = 0
	it.skipped = it.skipped[:0]
}

func (it *limitIterator) Next() *rankedNode {
	if it.seen >= it.limit {
		return nil
	}
	for {
		r := it.source.Next()
		if r == nil {
			break
		}
		if r.finalScore < 0 && len(it.skipped) < maxSkippedNodes {
			it.skipped = append(it.skipped, r)
			continue
		}
		it.seen++
		return r
	}
	if len(it.skipped) > 0 {
		r := it.skipped[0]
		it.skipped = it.skipped[1:]
		it.seen++
		return r
	}
	return nil
}

// maxScoreIterator drains its source and returns the node with the
// highest final score; ties go to the node seen first.
type maxScoreIterator struct {
	source rankIterator
}

func (it *maxScoreIterator) Reset() { it.source.Reset() }

func (it *maxScoreIterator) Next() *rankedNode {
	var best *rankedNode
	for r := it.source.Next(); r != nil; r = it.source.Next() {
		if best == nil || r.finalScore > best.finalScore {
			best = r
		}
	}
	return best
}
