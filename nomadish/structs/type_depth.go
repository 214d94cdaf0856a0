package structs

import (
	"encoding"
	"reflect"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

var (
	timeType = reflect.TypeOf(time.Time{})
	// customDecoders are the interfaces through which a type decodes
	// itself; such a type may fail to decode for reasons of its own.
	customDecoders = []reflect.Type{
		reflect.TypeOf((*encoding.BinaryUnmarshaler)(nil)).Elem(),
		reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem(),
		reflect.TypeOf((*codec.Selfer)(nil)).Elem(),
	}
)

// decodesItself tells whether t (or a pointer to it) decodes through its
// own method. time.Time does, but the codec encodes it as a timestamp.
func decodesItself(t reflect.Type) bool {
	if t == timeType {
		return false
	}
	for _, i := range customDecoders {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

// TypeDepthBound returns the deepest nesting of maps, slices, arrays and
// structs that any value of type t can have as msgpack encodes it (counted
// as ValueDepth counts), and whether there is such a bound at all: a type
// that holds an interface{} (free-form data such as a task's Config) or
// refers to itself can nest without limit. Struct fields for which skip
// returns true are left out, for callers that know those fields are unset.
// Unexported fields count too, which can only overestimate. A type that
// decodes itself (encoding.BinaryUnmarshaler, TextUnmarshaler or
// codec.Selfer; time.Time excepted) has no bound: its method may refuse.
func TypeDepthBound(t reflect.Type, skip func(reflect.StructField) bool) (int, bool) {
	return typeDepth(t, skip, map[reflect.Type]bool{})
}

func typeDepth(t reflect.Type, skip func(reflect.StructField) bool, visiting map[reflect.Type]bool) (int, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if decodesItself(t) {
		return 0, false
	}
	if t == timeType {
		return 0, true
	}
	switch t.Kind() {
	case reflect.Interface:
		return 0, false
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return 0, true // bytes encode as one string
		}
		d, ok := typeDepth(t.Elem(), skip, visiting)
		return 1 + d, ok
	case reflect.Map:
		k, ok := typeDepth(t.Key(), skip, visiting)
		if !ok {
			return 0, false
		}
		v, ok := typeDepth(t.Elem(), skip, visiting)
		return 1 + max(k, v), ok
	case reflect.Struct:
		if visiting[t] {
			return 0, false
		}
		visiting[t] = true
		defer delete(visiting, t)
		deepest := 0
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if skip != nil && skip(f) {
				continue
			}
			d, ok := typeDepth(f.Type, skip, visiting)
			if !ok {
				return 0, false
			}
			deepest = max(deepest, d)
		}
		return 1 + deepest, true
	}
	return 0, true
}
