package agent

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// ConfigJSON renders the plugin's config block as the JSON object the
// client hands to the driver's SetConfig: attributes become members, a
// nested block becomes an object member named for its type (a block type
// given more than once becomes an array of objects, in file order, and a
// block's labels are dropped). No config block gives "{}". Expressions are
// evaluated without variables or functions.
func (p *PluginConfig) ConfigJSON() ([]byte, error) {
	if p.Config == nil || p.Config.Body == nil {
		return []byte("{}"), nil
	}
	v, diags := bodyValue(p.Config.Body)
	if diags.HasErrors() {
		return nil, diagError(diags)
	}
	out, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, fmt.Errorf("encode as JSON: %w", err)
	}
	return out, nil
}

// bodyValue turns a free-form body into an object value.
func bodyValue(body hcl.Body) (cty.Value, hcl.Diagnostics) {
	b, ok := body.(*hclsyntax.Body)
	if !ok {
		// JSON files: every property is an attribute; nested objects
		// arrive as object values.
		attrs, diags := body.JustAttributes()
		if diags.HasErrors() {
			return cty.EmptyObjectVal, diags
		}
		vals := map[string]cty.Value{}
		for name, a := range attrs {
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			vals[name] = v
		}
		return cty.ObjectVal(vals), diags
	}
	var diags hcl.Diagnostics
	vals := map[string]cty.Value{}
	for name, a := range b.Attributes {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		vals[name] = v
	}
	blocks := map[string][]cty.Value{}
	var order []string
	for _, blk := range b.Blocks {
		if _, dup := vals[blk.Type]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate name",
				Detail: fmt.Sprintf("%q is both an argument and a block", blk.Type), Subject: blk.TypeRange.Ptr()})
			continue
		}
		v, d := bodyValue(blk.Body)
		diags = append(diags, d...)
		if _, ok := blocks[blk.Type]; !ok {
			order = append(order, blk.Type)
		}
		blocks[blk.Type] = append(blocks[blk.Type], v)
	}
	for _, name := range order {
		if list := blocks[name]; len(list) == 1 {
			vals[name] = list[0]
		} else {
			vals[name] = cty.TupleVal(list)
		}
	}
	return cty.ObjectVal(vals), diags
}
