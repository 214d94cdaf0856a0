package nomadish

import (
	"strings"

	"github.com/nomadish/nomadish/nomadish/state"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// setTableIndex sets the response index to the newest write of any of the
// tables, never 0, so that a blocking query on an empty table still blocks.
func setTableIndex(st *state.StateStore, meta *structs.QueryMeta, tables ...string) error {
	var max uint64
	for _, t := range tables {
		idx, err := st.Index(t)
		if err != nil {
			return err
		}
		if idx > max {
			max = idx
		}
	}
	if max == 0 {
		max = 1
	}
	meta.Index = max
	return nil
}

// setIndexFromObject uses the object's modify index when it exists, and the
// table's index otherwise, so that a blocking query wakes when the object
// appears.
func setIndexFromObject(st *state.StateStore, meta *structs.QueryMeta, table string, found bool, modifyIndex func() uint64) error {
	if found {
		meta.Index = modifyIndex()
		return nil
	}
	return setTableIndex(st, meta, table)
}

func allocStubs(allocs []*structs.Allocation) []*structs.AllocListStub {
	out := make([]*structs.AllocListStub, 0, len(allocs))
	for _, a := range allocs {
		out = append(out, a.Stub())
	}
	return out
}

func hasPrefix(s, prefix string) bool { return prefix == "" || strings.HasPrefix(s, prefix) }
