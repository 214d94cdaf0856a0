package jobspec

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Environment variable prefixes that give a variable its value:
// NOMADISH_VAR_image=redis sets var.image. Nomad's own prefix is accepted
// too, with lower precedence, so pipelines written for Nomad keep working.
const (
	EnvVarPrefix      = "NOMADISH_VAR_"
	nomadEnvVarPrefix = "NOMAD_VAR_"
)

// variable is one declared input variable and the value it ends up with.
type variable struct {
	name        string
	typ         cty.Type
	def         cty.Value // cty.NilVal when there is no default
	description string
	sensitive   bool
	validations []validation
	decl        hcl.Range

	value  cty.Value // cty.NilVal until given
	source string    // where value came from, for messages
	rng    *hcl.Range
}

type validation struct {
	condition hcl.Expression
	message   string
	rng       hcl.Range
}

var variableSchema = &schema{
	attrs:  []string{"type", "default", "description", "sensitive"},
	blocks: []string{"validation"},
}

var validationSchema = &schema{
	attrs:    []string{"condition", "error_message"},
	required: []string{"condition", "error_message"},
}

// declareVariables decodes the `variable` and `variables` blocks.
func (p *parser) declareVariables(root *scope, blocks hcl.Blocks) {
	defaultCtx := &hcl.EvalContext{Functions: p.functions}
	declare := func(s *scope, v *variable) {
		if prev, ok := p.vars[v.name]; ok {
			s.errorf(v.decl.Ptr(), "Duplicate variable", "The variable %q was already declared at line %d.", v.name, prev.decl.Start.Line)
			return
		}
		if !hclsyntax.ValidIdentifier(v.name) {
			s.errorf(v.decl.Ptr(), "Invalid variable name", "%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", v.name)
			return
		}
		p.vars[v.name] = v
		p.varOrder = append(p.varOrder, v.name)
	}
	for _, b := range blocks {
		switch b.Type {
		case "variable":
			s := root.child(b)
			c := s.content(b.Body, variableSchema)
			v := &variable{name: b.Labels[0], typ: cty.DynamicPseudoType, def: cty.NilVal, decl: b.DefRange}
			if a, ok := c.Attributes["type"]; ok {
				ty, diags := typeexpr.TypeConstraint(a.Expr)
				s.add(diags)
				if !diags.HasErrors() {
					v.typ = ty
				}
			}
			if a, ok := c.Attributes["default"]; ok {
				def, diags := a.Expr.Value(defaultCtx)
				s.add(diags)
				if !diags.HasErrors() {
					if err := checkVariableValue(def); err != nil {
						s.errorf(a.Expr.Range().Ptr(), "Invalid default value for variable", "%s.", capitalize(err.Error()))
					} else if cv, err := convert.Convert(def, v.typ); err != nil {
						s.errorf(a.Expr.Range().Ptr(), "Invalid default value for variable",
							"The default does not match the variable's type %s: %s.", typeexpr.TypeString(v.typ), err)
					} else {
						v.def = cv
					}
				}
			}
			s.str(c.Attributes, "description", &v.description)
			s.boolean(c.Attributes, "sensitive", &v.sensitive)
			for _, vb := range blocksOf(c.Blocks, "validation") {
				vs := s.child(vb)
				vc := vs.content(vb.Body, validationSchema)
				val := validation{rng: vb.DefRange}
				if a, ok := vc.Attributes["condition"]; ok {
					val.condition = a.Expr
				}
				vs.str(vc.Attributes, "error_message", &val.message)
				if val.condition != nil {
					v.validations = append(v.validations, val)
				}
			}
			declare(s, v)
		case "variables":
			s := root.child(b)
			attrs, diags := b.Body.JustAttributes()
			s.add(diags)
			for _, name := range sortedAttrNames(attrs) {
				a := attrs[name]
				def, diags := a.Expr.Value(defaultCtx)
				s.add(diags)
				v := &variable{name: name, typ: cty.DynamicPseudoType, def: cty.NilVal, decl: a.NameRange}
				if !diags.HasErrors() {
					v.def = def
				}
				declare(s, v)
			}
		}
	}
}

func (p *parser) declaredNames() []string {
	names := append([]string(nil), p.varOrder...)
	sort.Strings(names)
	return names
}

// assignVariables gives variables their values, lowest precedence first:
// the environment, -var-file files in order, VarContent, -var in order.
func (p *parser) assignVariables(root *scope) {
	p.assignFromEnv(root)
	for _, path := range p.cfg.VarFiles {
		src, err := readLimited(path, nil)
		if err != nil {
			root.errorf(nil, "Cannot read variable file", "%s", err)
			continue
		}
		p.assignFromFile(root, path, src)
	}
	if p.cfg.VarContent != "" {
		p.assignFromFile(root, "<variables>", []byte(p.cfg.VarContent))
	}
	for _, arg := range p.cfg.ArgVars {
		name, raw, ok := strings.Cut(arg, "=")
		if !ok || name == "" {
			root.errorf(nil, "Invalid -var option",
				"The option -var %q is not of the form name=value, e.g. -var image=redis:7.", arg)
			continue
		}
		v, ok := p.vars[name]
		if !ok {
			root.errorf(nil, "Undeclared variable",
				"A value was given with -var for %q, but the job file declares no variable of that name.%s Declared variables: %s.",
				name, didYouMean(name, p.varOrder), p.declaredOrNone())
			continue
		}
		p.assignRaw(root, v, raw, "-var "+name)
	}
}

func (p *parser) declaredOrNone() string {
	if len(p.varOrder) == 0 {
		return "none"
	}
	return strings.Join(p.declaredNames(), ", ")
}

func (p *parser) assignFromEnv(root *scope) {
	for _, prefix := range []string{nomadEnvVarPrefix, EnvVarPrefix} {
		for _, kv := range p.cfg.Envs {
			rest, ok := strings.CutPrefix(kv, prefix)
			if !ok {
				continue
			}
			name, raw, ok := strings.Cut(rest, "=")
			if v, declared := p.vars[name]; ok && declared {
				p.assignRaw(root, v, raw, "environment variable "+prefix+name)
			}
		}
	}
}

// assignRaw sets v from a string given on the command line or in the
// environment: taken as a string for primitive types, parsed as an HCL
// expression ("[\"a\", \"b\"]", "{ x = 1 }") for collection types.
func (p *parser) assignRaw(root *scope, v *variable, raw, source string) {
	var val cty.Value
	if v.typ.IsPrimitiveType() || v.typ == cty.DynamicPseudoType {
		val = cty.StringVal(raw)
	} else {
		diags := checkHCLExpression(source, []byte(raw))
		if !diags.HasErrors() {
			var expr hclsyntax.Expression
			expr, diags = hclsyntax.ParseExpression([]byte(raw), source, hcl.InitialPos)
			if !diags.HasErrors() {
				p.budget.guard(expr)
				val, diags = expr.Value(p.guardContext())
			}
		}
		if diags.HasErrors() {
			root.errorf(nil, "Invalid value for variable",
				"The value of %s is not a valid %s: %s.", source, typeexpr.TypeString(v.typ), diags[0].Detail)
			return
		}
	}
	p.setVariable(root, v, val, source, nil)
}

// assignFromFile reads name = value pairs from a variable file in HCL or,
// when its name ends in .json, JSON.
func (p *parser) assignFromFile(root *scope, path string, src []byte) {
	var f *hcl.File
	var diags hcl.Diagnostics
	// Values in JSON are not expressions: without an evaluation context
	// its strings are not taken for templates.
	var ctx *hcl.EvalContext
	if strings.EqualFold(filepath.Ext(path), ".json") {
		p.files[path] = &hcl.File{Bytes: src}
		if diags = checkJSONSource(path, src); !diags.HasErrors() {
			f, diags = json.Parse(src, path)
		}
	} else {
		f, diags = p.parseHCL(path, src)
		ctx = p.guardContext()
	}
	if f != nil {
		p.files[path] = f
	}
	root.add(diags)
	if diags.HasErrors() {
		return
	}
	attrs, diags := f.Body.JustAttributes()
	root.add(diags)
	for _, name := range sortedAttrNames(attrs) {
		a := attrs[name]
		v, ok := p.vars[name]
		if !ok {
			p.warnings = append(p.warnings, warningDiag(a.NameRange.Ptr(), "Undeclared variable",
				"A value is given for %q, but the job file declares no variable of that name; it is ignored.%s",
				name, didYouMean(name, p.varOrder)))
			continue
		}
		val, diags := a.Expr.Value(ctx)
		root.add(diags)
		if diags.HasErrors() {
			continue
		}
		p.setVariable(root, v, val, path, a.Expr.Range().Ptr())
	}
}

func (p *parser) setVariable(root *scope, v *variable, val cty.Value, source string, rng *hcl.Range) {
	if err := checkVariableValue(val); err != nil {
		root.errorf(rng, "Invalid value for variable", "The value given for %q by %s: %s.", v.name, source, err)
		return
	}
	cv, err := convert.Convert(val, v.typ)
	if err != nil {
		got := describe(val)
		if v.sensitive {
			got = val.Type().FriendlyName()
		}
		root.errorf(rng, "Invalid value for variable",
			"The value given for %q by %s is %s, but the variable's type is %s: %s.",
			v.name, source, got, typeexpr.TypeString(v.typ), err)
		return
	}
	if valueSize(cv, MaxValueSize) > MaxValueSize {
		root.errorf(rng, "Value too large", "The value given for %q by %s is larger than %d bytes.", v.name, source, MaxValueSize)
		return
	}
	if err := checkNumbers(cv); err != nil {
		root.errorf(rng, "Number out of range", "The value given for %q by %s: %s.", v.name, source, err)
		return
	}
	v.value, v.source, v.rng = cv, source, rng
}

// finishVariables reports variables left without a value, applies
// defaults and runs validation rules. It returns the `var` object.
func (p *parser) finishVariables(root *scope) cty.Value {
	vals := map[string]cty.Value{}
	for _, name := range p.varOrder {
		v := p.vars[name]
		if v.value == cty.NilVal {
			if v.def == cty.NilVal {
				desc := ""
				if v.description != "" {
					desc = fmt.Sprintf(" (%s)", v.description)
				}
				root.errorf(v.decl.Ptr(), "Missing value for variable "+name,
					"The variable %q%s has no default, so it must be given a value:\n"+
						"on the command line: -var %s=VALUE\n"+
						"in a variable file: -var-file=FILE holding %s = VALUE\n"+
						"in the environment: %s%s=VALUE",
					name, desc, name, name, EnvVarPrefix, name)
				continue
			}
			v.value, v.source = v.def, "its default"
		}
		vals[name] = v.value
	}
	for _, name := range p.varOrder {
		v := p.vars[name]
		if v.value == cty.NilVal {
			continue
		}
		p.validate(root, v)
	}
	return cty.ObjectVal(vals)
}

// validate runs v's validation rules against its value.
func (p *parser) validate(root *scope, v *variable) {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.name: v.value})},
		Functions: p.functions,
	}
	for _, val := range v.validations {
		bad := false
		for _, t := range val.condition.Variables() {
			if !isVarRef(t, v.name) {
				root.errorf(t.SourceRange().Ptr(), "Invalid reference in variable validation",
					"The condition for variable %q may refer only to the variable itself, as var.%s.", v.name, v.name)
				bad = true
			}
		}
		if bad {
			continue
		}
		res, diags := val.condition.Value(ctx)
		root.add(diags)
		if diags.HasErrors() {
			continue
		}
		ok, err := convert.Convert(res, cty.Bool)
		if err != nil || ok.IsNull() || !ok.IsKnown() {
			root.errorf(val.condition.Range().Ptr(), "Invalid variable validation condition",
				"The condition must be true or false, got %s.", describe(res))
			continue
		}
		if ok.False() {
			from := v.source
			if v.rng != nil {
				from = fmt.Sprintf("%s:%d", v.rng.Filename, v.rng.Start.Line)
			}
			subject := v.rng
			if subject == nil {
				subject = val.condition.Range().Ptr()
			}
			root.errorf(subject, "Invalid value for variable "+v.name,
				"%s\nThe value came from %s and failed the validation rule at line %d.",
				val.message, from, val.rng.Start.Line)
		}
	}
}

// isVarRef reports whether t is var.name or something inside it.
func isVarRef(t hcl.Traversal, name string) bool {
	if t.RootName() != "var" || len(t) < 2 {
		return false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	return ok && a.Name == name
}

// checkVariableValue refuses a value given to a variable, before it is
// converted to the variable's type, that would be costly to convert: a
// number out of range (to a string) or a long numeric string (to a
// number).
func checkVariableValue(v cty.Value) error {
	if err := checkNumbers(v); err != nil {
		return err
	}
	return checkNumericText(v)
}

// guardContext is the evaluation context of variable files and -var
// values: no variables and no functions but the guards of budget.guard.
func (p *parser) guardContext() *hcl.EvalContext {
	return &hcl.EvalContext{Functions: p.budget.guardFunctions()}
}

// readLimited reads a file of at most MaxFileSize bytes, or returns body
// when it is not nil.
func readLimited(path string, body []byte) ([]byte, error) {
	if body == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		body, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
		if err != nil {
			return nil, err
		}
	}
	if len(body) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most a job or variable file may hold", path, MaxFileSize)
	}
	return body, nil
}
