package structs

import (
	"reflect"
	"testing"
	"time"
)

// selfDecoder decodes itself, and so may refuse to.
type selfDecoder struct{}

func (*selfDecoder) UnmarshalText([]byte) error { return nil }

func TestTypeDepthBound(t *testing.T) {
	type leaf struct{ A, B string }
	type tree struct {
		Leaves []*leaf
		ByName map[string]leaf
		Bytes  []byte
	}
	type self struct{ Next *self }
	type free struct{ X interface{} }
	for _, tc := range []struct {
		v       interface{}
		depth   int
		bounded bool
	}{
		{"s", 0, true},
		{[]byte("x"), 0, true},
		{leaf{}, 1, true},
		{&tree{}, 3, true}, // tree, Leaves, leaf
		{self{}, 0, false},
		{free{}, 0, false},
		{map[string][]string{}, 2, true},
		{struct{ T time.Time }{}, 1, true},
		{struct{ T selfDecoder }{}, 0, false},
	} {
		d, ok := TypeDepthBound(reflect.TypeOf(tc.v), nil)
		if d != tc.depth || ok != tc.bounded {
			t.Errorf("%T: (%d, %v), want (%d, %v)", tc.v, d, ok, tc.depth, tc.bounded)
		}
	}
	// A skipped field takes its free-form data with it.
	d, ok := TypeDepthBound(reflect.TypeOf(struct {
		N int
		X free
	}{}), func(f reflect.StructField) bool { return f.Name == "X" })
	if d != 1 || !ok {
		t.Errorf("with X skipped: (%d, %v), want (1, true)", d, ok)
	}
}

// The value-level walk and the type-level bound agree on what a type
// with a bound can reach.
func TestTypeDepthBoundCoversValueDepth(t *testing.T) {
	tg := &TaskGroup{Name: "g", Tasks: []*Task{{Name: "t", Resources: &Resources{Networks: []*NetworkResource{{}}}}}}
	ev := &Evaluation{ID: "e"}
	bound, ok := TypeDepthBound(reflect.TypeOf(ev), nil)
	if !ok || ValueDepth(ev, MaxDecodeDepth) > bound {
		t.Fatalf("evaluation: bound (%d, %v), value depth %d", bound, ok, ValueDepth(ev, MaxDecodeDepth))
	}
	if _, ok := TypeDepthBound(reflect.TypeOf(tg), nil); ok {
		t.Fatal("a task group holds a free-form Config: want no bound")
	}
}
