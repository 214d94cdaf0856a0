// Package configspec holds the small builders driver packages use to
// declare the schema of a task's `config` block (an hcldec.Spec), so that
// jobspec can check a job file against it before the job leaves the
// user's machine. It knows nothing about any particular driver and must not
// import one.
package configspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Attr is an optional attribute of type t.
func Attr(name string, t cty.Type) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: t}
}

// Required is a required attribute of type t.
func Required(name string, t cty.Type) hcldec.Spec {
	return &hcldec.AttrSpec{Name: name, Type: t, Required: true}
}

// Duration is an optional string attribute holding a Go duration such as
// "30s" or "1h30m". A value containing runtime interpolation ("${...}") is
// accepted as is, since only the client can fill it in.
func Duration(name string) hcldec.Spec {
	return &hcldec.ValidateSpec{
		Wrapped: &hcldec.AttrSpec{Name: name, Type: cty.String},
		Func: func(v cty.Value) hcl.Diagnostics {
			if v.IsNull() || !v.IsKnown() {
				return nil
			}
			s := v.AsString()
			if strings.Contains(s, "${") {
				return nil
			}
			if _, err := time.ParseDuration(s); err != nil {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Invalid duration",
					Detail:   fmt.Sprintf("The argument %q must be a duration such as \"30s\", \"5m\" or \"1h30m\"; got %q.", name, s),
				}}
			}
			return nil
		},
	}
}

// OneOf is an optional string attribute restricted to the given values.
func OneOf(name string, values ...string) hcldec.Spec {
	return &hcldec.ValidateSpec{
		Wrapped: &hcldec.AttrSpec{Name: name, Type: cty.String},
		Func: func(v cty.Value) hcl.Diagnostics {
			if v.IsNull() || !v.IsKnown() {
				return nil
			}
			s := v.AsString()
			for _, ok := range values {
				if s == ok {
					return nil
				}
			}
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid value",
				Detail:   fmt.Sprintf("The argument %q must be one of %s; got %q.", name, quoted(values), s),
			}}
		},
	}
}

// Block is an optional nested block that may appear at most once.
func Block(name string, body hcldec.ObjectSpec) hcldec.Spec {
	return &hcldec.BlockSpec{TypeName: name, Nested: body}
}

// Blocks is a nested block that may appear any number of times.
func Blocks(name string, body hcldec.ObjectSpec) hcldec.Spec {
	return &hcldec.BlockListSpec{TypeName: name, Nested: body}
}

func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
