package jobspec

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// taskConfig decodes a task's `config` block (b may be nil) against its
// driver's schema, or, for a driver without one, as free-form values.
func (s *scope) taskConfig(b *hcl.Block, driver string, driverAttr *hcl.Attribute) map[string]interface{} {
	var spec hcldec.Spec
	if s.d.drivers != nil && driver != "" {
		spec = s.d.drivers[driver]
		if spec == nil && driverAttr != nil {
			names := make([]string, 0, len(s.d.drivers))
			for n := range s.d.drivers {
				names = append(names, n)
			}
			sort.Strings(names)
			s.add(hcl.Diagnostics{warningDiag(driverAttr.Expr.Range().Ptr(), "Unknown driver",
				"No built-in driver is named %q, so its config is not checked here; a client with a driver plugin of that name can still run the task.%s Built-in drivers: %s.",
				driver, didYouMean(driver, names), quoteList(names))})
		}
	}
	if b == nil {
		if spec != nil {
			// Report what the schema requires of an absent config.
			_, diags := hcldec.Decode(hcl.EmptyBody(), spec, s.d.ctx)
			for _, d := range diags {
				d.Subject = s.def.Ptr()
				if d.Summary == "Missing required argument" {
					d.Detail += "\nThe " + driver + " driver needs a config block."
				}
			}
			s.add(diags)
		}
		return nil
	}
	cs := s.child(b)
	syntax := s.d.configs[rangeKey(b.DefRange)]
	if spec == nil {
		if syntax == nil {
			return nil // a config block built by a dynamic block: nothing to go on
		}
		spec = freeFormSpec(syntax.Body)
	}
	if !s.d.checkTraversals(hcldec.Variables(b.Body, spec), b.DefRange, cs) {
		return nil
	}
	v, diags := hcldec.Decode(b.Body, spec, s.d.ctx)
	for _, d := range diags {
		if d.Summary == "Unsupported argument" || d.Summary == "Unsupported block type" {
			if d.Subject != nil && syntax != nil {
				attrs, blocks := schemaAt(spec, syntax.Body, d.Subject.Start)
				explainUnsupported(d, attrs, blocks)
			}
		}
		// Problems of the block as a whole point at its header.
		if d.Subject != nil && syntax != nil && d.Subject.Start.Byte == syntax.Body.SrcRange.Start.Byte {
			d.Subject = b.DefRange.Ptr()
		}
	}
	cs.add(diags)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return nil
	}
	if err := s.d.budget.chargeValue(v); err != nil {
		cs.errorf(b.DefRange.Ptr(), budgetSummary(err), "The config block: %s.", err)
		return nil
	}
	m, _ := ctyToGo(v).(map[string]interface{})
	if err := foldBlockForms(spec, m); err != nil {
		cs.errorf(b.DefRange.Ptr(), "Conflicting arguments", "%s", err)
		return nil
	}
	return m
}

// blockFormSuffix marks, in a driver's schema, the key of the block form of
// an option that also exists as an attribute, such as the docker driver's
// `labels { team = "web" }` beside `labels = { team = "web" }`.
const blockFormSuffix = "_block"

// foldBlockForms moves the value of every block form in m (a key
// "NAME_block" of the schema beside a key "NAME") under NAME, so the job
// carries one key per option whichever form the file used, as Nomad's job
// JSON does. Giving both forms is an error. Nested blocks are folded too
// (the docker driver's mount { volume_options { labels { } } }).
func foldBlockForms(spec hcldec.Spec, m map[string]interface{}) error {
	if err := foldNestedBlockForms(spec, m); err != nil {
		return err
	}
	if v, ok := spec.(*hcldec.ValidateSpec); ok {
		spec = v.Wrapped
	}
	obj, ok := spec.(hcldec.ObjectSpec)
	if !ok {
		return nil
	}
	for key := range obj {
		base, isBlock := strings.CutSuffix(key, blockFormSuffix)
		if _, hasBase := obj[base]; !isBlock || !hasBase {
			continue
		}
		block, ok := m[key]
		delete(m, key)
		if !ok || block == nil {
			continue
		}
		if m[base] != nil {
			return fmt.Errorf("%q is given both as an attribute and as a block; give one of them", base)
		}
		m[base] = block
	}
	return nil
}

// foldNestedBlockForms applies foldBlockForms inside every nested block
// of m that the schema describes with an object body.
func foldNestedBlockForms(spec hcldec.Spec, m map[string]interface{}) error {
	obj := objectSpec(spec)
	for key, child := range obj {
		typ, nested := blockSpec(child)
		if nested == nil {
			continue
		}
		var elems []interface{}
		switch v := m[key].(type) {
		case map[string]interface{}:
			elems = []interface{}{v}
		case []interface{}:
			elems = v
		}
		for _, e := range elems {
			if em, ok := e.(map[string]interface{}); ok {
				if err := foldBlockForms(nested, em); err != nil {
					return fmt.Errorf("in %s: %w", typ, err)
				}
			}
		}
	}
	return nil
}

// freeFormSpec describes a config block as written: every attribute of any
// type, every nested block (also those a dynamic block generates) as a
// list of objects.
func freeFormSpec(body *hclsyntax.Body) hcldec.ObjectSpec {
	spec := hcldec.ObjectSpec{}
	for name := range body.Attributes {
		spec[name] = &hcldec.AttrSpec{Name: name, Type: cty.DynamicPseudoType}
	}
	nested := map[string][]*hclsyntax.Body{}
	for _, b := range body.Blocks {
		typ, inner := b.Type, b.Body
		if typ == "dynamic" && len(b.Labels) == 1 {
			typ, inner = b.Labels[0], nil
			for _, cb := range b.Body.Blocks {
				if cb.Type == "content" {
					inner = cb.Body
				}
			}
			if inner == nil {
				continue
			}
		}
		nested[typ] = append(nested[typ], inner)
	}
	for typ, bodies := range nested {
		if _, clash := spec[typ]; clash {
			continue
		}
		merged := hcldec.ObjectSpec{}
		for _, nb := range bodies {
			for k, v := range freeFormSpec(nb) {
				merged[k] = v
			}
		}
		spec[typ] = &hcldec.BlockListSpec{TypeName: typ, Nested: merged}
	}
	return spec
}

// schemaAt finds the names accepted where pos lies in a config body
// decoded by spec.
func schemaAt(spec hcldec.Spec, body *hclsyntax.Body, pos hcl.Pos) (attrs, blocks []string) {
	obj := objectSpec(spec)
	for _, b := range body.Blocks {
		r := b.Range()
		if pos.Byte < b.OpenBraceRange.End.Byte || pos.Byte >= r.End.Byte {
			continue
		}
		for _, child := range obj {
			if typ, nested := blockSpec(child); typ == b.Type && nested != nil {
				return schemaAt(nested, b.Body, pos)
			}
		}
	}
	for name, child := range obj {
		if typ, _ := blockSpec(child); typ != "" {
			blocks = append(blocks, typ)
		} else {
			attrs = append(attrs, name)
		}
	}
	return attrs, blocks
}

func objectSpec(spec hcldec.Spec) hcldec.ObjectSpec {
	for {
		switch s := spec.(type) {
		case hcldec.ObjectSpec:
			return s
		case *hcldec.ValidateSpec:
			spec = s.Wrapped
		default:
			return nil
		}
	}
}

// blockSpec returns the block type and nested spec of a block spec.
func blockSpec(spec hcldec.Spec) (string, hcldec.Spec) {
	switch s := spec.(type) {
	case *hcldec.BlockSpec:
		return s.TypeName, s.Nested
	case *hcldec.BlockListSpec:
		return s.TypeName, s.Nested
	case *hcldec.BlockSetSpec:
		return s.TypeName, s.Nested
	case *hcldec.BlockMapSpec:
		return s.TypeName, s.Nested
	case *hcldec.BlockAttrsSpec:
		return s.TypeName, nil
	case *hcldec.ValidateSpec:
		return blockSpec(s.Wrapped)
	}
	return "", nil
}

// ctyToGo converts a decoded config value to the plain Go values
// api.Task.Config holds, dropping absent attributes and empty lists.
func ctyToGo(v cty.Value) interface{} {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if n, acc := bf.Int64(); acc == big.Exact {
				return n
			}
		}
		f, _ := bf.Float64()
		return f
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := make([]interface{}, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToGo(e))
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		out := make(map[string]interface{}, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			// Absent arguments and blocks decode as null or empty; leave
			// them out rather than send them to the driver.
			if e.IsNull() || e.CanIterateElements() && e.IsKnown() && e.LengthInt() == 0 {
				continue
			}
			out[k.AsString()] = ctyToGo(e)
		}
		return out
	}
	return nil
}
