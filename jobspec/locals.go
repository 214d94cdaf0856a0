package jobspec

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// local is one named value of a `locals` block.
type local struct {
	attr *hcl.Attribute
	path string
	deps []string
}

// evalLocals evaluates every `locals` block's values, each after the
// locals it refers to, and returns the `local` object. A reference to an
// undeclared local or a cycle is an error; the offending locals become
// unknown so that later uses report nothing further.
func (p *parser) evalLocals(root *scope, blocks hcl.Blocks, ctx *hcl.EvalContext) cty.Value {
	locals := map[string]*local{}
	var order []string
	for _, b := range blocksOf(blocks, "locals") {
		s := root.child(b)
		attrs, diags := b.Body.JustAttributes()
		s.add(diags)
		for _, name := range sortedAttrNames(attrs) {
			a := attrs[name]
			if prev, ok := locals[name]; ok {
				s.errorf(a.NameRange.Ptr(), "Duplicate local value",
					"The local value %q was already defined at line %d.", name, prev.attr.NameRange.Start.Line)
				continue
			}
			locals[name] = &local{attr: a, path: s.path}
			order = append(order, name)
		}
	}
	// Dependencies between locals, for evaluation order.
	for _, name := range order {
		l := locals[name]
		seen := map[string]bool{}
		for _, t := range l.attr.Expr.Variables() {
			dep, ok := localRef(t)
			if !ok || seen[dep] {
				continue
			}
			seen[dep] = true
			if _, declared := locals[dep]; declared {
				l.deps = append(l.deps, dep)
			}
		}
	}
	// Kahn's algorithm: evaluate each local once everything it refers
	// to is done; what is left at the end is part of a cycle.
	values := map[string]cty.Value{}
	done := map[string]bool{}
	pending := map[string]int{}
	dependents := map[string][]string{}
	var queue []string
	for _, name := range order {
		l := locals[name]
		pending[name] = len(l.deps)
		for _, dep := range l.deps {
			dependents[dep] = append(dependents[dep], name)
		}
		if len(l.deps) == 0 {
			queue = append(queue, name)
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		done[name] = true
		values[name] = p.evalLocal(root, locals[name], values, ctx)
		for _, next := range dependents[name] {
			if pending[next]--; pending[next] == 0 {
				queue = append(queue, next)
			}
		}
	}
	for _, name := range order {
		if done[name] {
			continue
		}
		l := locals[name]
		var waiting []string
		for _, dep := range l.deps {
			if !done[dep] {
				waiting = append(waiting, "local."+dep)
			}
		}
		root.add(withPath(hcl.Diagnostics{errorDiag(l.attr.NameRange.Ptr(), "Cycle in local values",
			"local.%s cannot be worked out: it depends on %s, which depend on it in turn.", name, strings.Join(waiting, ", "))}, l.path))
		values[name] = cty.DynamicVal
	}
	return cty.ObjectVal(values)
}

// evalLocal evaluates one local with only the locals it depends on in
// scope, which keeps the work linear in the number of locals.
func (p *parser) evalLocal(root *scope, l *local, values map[string]cty.Value, ctx *hcl.EvalContext) cty.Value {
	deps := make(map[string]cty.Value, len(l.deps))
	for _, d := range l.deps {
		deps[d] = values[d]
	}
	child := ctx.NewChild()
	child.Variables = map[string]cty.Value{"local": cty.ObjectVal(deps)}
	s := &scope{d: &decoder{ctx: child, budget: root.d.budget}, path: l.path}
	v, ok := s.eval(l.attr.Expr)
	root.d.diags = append(root.d.diags, s.d.diags...)
	if !ok {
		return cty.DynamicVal
	}
	return v
}

// localRef returns the name in local.NAME.
func localRef(t hcl.Traversal) (string, bool) {
	if t.RootName() != "local" || len(t) < 2 {
		return "", false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	return a.Name, ok
}

// checkReferences reports every var.NAME and local.NAME in the job file
// that names nothing declared, with the closest declared name. It returns
// the undeclared names, which the caller makes unknown so that their uses
// report nothing more.
func (p *parser) checkReferences(root *scope, refs []hcl.Traversal, localNames map[string]bool) (vars, locals []string) {
	seenVar, seenLocal := map[string]bool{}, map[string]bool{}
	for _, t := range refs {
		var name string
		if len(t) >= 2 {
			if a, ok := t[1].(hcl.TraverseAttr); ok {
				name = a.Name
			}
		}
		switch t.RootName() {
		case "var":
			if name == "" {
				root.errorf(t.SourceRange().Ptr(), "Invalid reference", "Refer to a variable as var.NAME.")
				continue
			}
			if _, ok := p.vars[name]; ok {
				continue
			}
			root.errorf(t.SourceRange().Ptr(), "Undeclared variable",
				"There is no variable named %q.%s Declare it with a variable %q { } block. Declared variables: %s.",
				name, didYouMean(name, p.varOrder), name, p.declaredOrNone())
			if !seenVar[name] {
				seenVar[name] = true
				vars = append(vars, name)
			}
		case "local":
			if name == "" {
				root.errorf(t.SourceRange().Ptr(), "Invalid reference", "Refer to a local value as local.NAME.")
				continue
			}
			if localNames[name] {
				continue
			}
			declared := make([]string, 0, len(localNames))
			for n := range localNames {
				declared = append(declared, n)
			}
			sort.Strings(declared)
			list := "none"
			if len(declared) > 0 {
				list = strings.Join(declared, ", ")
			}
			root.errorf(t.SourceRange().Ptr(), "Undeclared local value",
				"There is no local value named %q.%s Define it in a locals { } block. Defined local values: %s.",
				name, didYouMean(name, declared), list)
			if !seenLocal[name] {
				seenLocal[name] = true
				locals = append(locals, name)
			}
		}
	}
	return vars, locals
}

// withUnknown returns obj with the given attributes added as unknown.
func withUnknown(obj cty.Value, names []string) cty.Value {
	if len(names) == 0 {
		return obj
	}
	attrs := obj.AsValueMap()
	if attrs == nil {
		attrs = map[string]cty.Value{}
	}
	for _, n := range names {
		if _, ok := attrs[n]; !ok {
			attrs[n] = cty.DynamicVal
		}
	}
	return cty.ObjectVal(attrs)
}
