package structs

import (
	"reflect"
	"testing"
)

// A client fetches what is new or changed and forgets what the servers
// no longer list.
func TestAllocsToFetch(t *testing.T) {
	fetched := map[string]uint64{"same": 5, "changed": 5, "gone": 3}
	list := map[string]uint64{"same": 5, "changed": 9, "new": 7}
	if got := AllocsToFetch(list, fetched); !reflect.DeepEqual(got, []string{"changed", "new"}) {
		t.Fatalf("to fetch = %v, want [changed new]", got)
	}
	if _, ok := fetched["gone"]; ok || len(fetched) != 2 {
		t.Fatalf("fetched after = %v, want the unlisted one forgotten", fetched)
	}
	if got := AllocsToFetch(map[string]uint64{}, fetched); len(got) != 0 || len(fetched) != 0 {
		t.Fatalf("empty list: %v, fetched %v", got, fetched)
	}
}
