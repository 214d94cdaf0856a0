package jobspec

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// decoder holds what every block's decoding needs: the evaluation context
// (var, local, runtime references, functions), the driver schemas, and the
// diagnostics found so far.
type decoder struct {
	ctx     *hcl.EvalContext
	drivers map[string]hcldec.Spec
	// configs are the task `config` blocks as written, by the byte offset
	// of their header, for decoding a config no schema describes.
	configs map[string]*hclsyntax.Block
	diags   hcl.Diagnostics
	budget  *budget
}

// scope is one block being decoded: its path for diagnostics and the range
// of its header, where "missing argument" problems point.
type scope struct {
	d    *decoder
	path string
	def  hcl.Range
}

// child is the scope of a nested block.
func (s *scope) child(b *hcl.Block) *scope {
	name := b.Type
	for _, l := range b.Labels {
		name += fmt.Sprintf(" %q", l)
	}
	path := name
	if s.path != "" {
		path = s.path + " > " + name
	}
	return &scope{d: s.d, path: path, def: b.DefRange}
}

// add records diagnostics found in this block.
func (s *scope) add(diags hcl.Diagnostics) {
	diags = guardDiagnostics(diags)
	for _, d := range diags {
		if d.Summary == "Unknown variable" && !strings.Contains(d.Detail, runtimeHelp) {
			d.Detail += "\n" + runtimeHelp
		}
	}
	s.d.diags = append(s.d.diags, withPath(diags, s.path)...)
}

func (s *scope) errorf(subject *hcl.Range, summary, detail string, args ...interface{}) {
	s.add(hcl.Diagnostics{errorDiag(subject, summary, detail, args...)})
}

// schema is what a block accepts. A name may be both an attribute and a
// block (meta, env): `meta { k = "v" }` and `meta = { "a.b" = "v" }`.
type schema struct {
	attrs    []string
	required []string
	blocks   []string
	labels   map[string]string // block type → the name of its one label
}

func (sc *schema) bodySchema() *hcl.BodySchema {
	hs := &hcl.BodySchema{}
	for _, a := range sc.attrs {
		req := false
		for _, r := range sc.required {
			req = req || r == a
		}
		hs.Attributes = append(hs.Attributes, hcl.AttributeSchema{Name: a, Required: req})
	}
	for _, b := range sc.blocks {
		h := hcl.BlockHeaderSchema{Type: b}
		if l, ok := sc.labels[b]; ok {
			h.LabelNames = []string{l}
		}
		hs.Blocks = append(hs.Blocks, h)
	}
	return hs
}

// accepted says what a block accepts, for "unsupported" diagnostics.
func accepted(attrs, blocks []string) string {
	a := append([]string(nil), attrs...)
	b := append([]string(nil), blocks...)
	sort.Strings(a)
	sort.Strings(b)
	var parts []string
	if len(a) > 0 {
		parts = append(parts, "accepted arguments: "+strings.Join(a, ", "))
	}
	if len(b) > 0 {
		parts = append(parts, "accepted blocks: "+strings.Join(b, ", "))
	}
	if len(parts) == 0 {
		return "nothing is accepted here"
	}
	return strings.Join(parts, "; ")
}

// content decodes body against sc, adding to each problem what would be
// accepted and pointing missing arguments at the block's header.
func (s *scope) content(body hcl.Body, sc *schema) *hcl.BodyContent {
	c, diags := body.Content(sc.bodySchema())
	s.explain(diags, sc.attrs, sc.blocks)
	s.add(diags)
	if c == nil {
		c = &hcl.BodyContent{}
	}
	return c
}

// explain improves the body-level diagnostics of HCL.
func (s *scope) explain(diags hcl.Diagnostics, attrs, blocks []string) {
	for _, d := range diags {
		switch {
		case d.Summary == "Unsupported argument" || d.Summary == "Unsupported block type":
			explainMisplaced(d) // misplaced.go: variable and locals go at the top level
			explainUnsupported(d, attrs, blocks)
		case d.Summary == "Missing required argument" && s.def.Filename != "":
			d.Subject = s.def.Ptr()
		}
	}
}

// unsupportedName finds the name in HCL's "unsupported" details.
var unsupportedName = regexp.MustCompile(`(?:An argument named|Blocks of type) "([^"]*)"`)

// explainUnsupported adds a suggestion, when HCL made none, and the list
// of what is accepted to an "Unsupported argument/block type" diagnostic.
func explainUnsupported(d *hcl.Diagnostic, attrs, blocks []string) {
	if !strings.Contains(d.Detail, "Did you mean") {
		if m := unsupportedName.FindStringSubmatch(d.Detail); m != nil {
			options := attrs
			if d.Summary == "Unsupported block type" {
				options = blocks
			}
			d.Detail += didYouMean(m[1], options)
		}
	}
	d.Detail += "\n" + accepted(attrs, blocks)
}

// single returns the one block of type typ, or nil; a second one is an
// error.
func (s *scope) single(blocks hcl.Blocks, typ string) *hcl.Block {
	var first *hcl.Block
	for _, b := range blocks {
		if b.Type != typ {
			continue
		}
		if first != nil {
			s.errorf(b.DefRange.Ptr(), "Duplicate "+typ+" block",
				"Only one %s block is allowed here; the first is at line %d.", typ, first.DefRange.Start.Line)
			continue
		}
		first = b
	}
	return first
}

func blocksOf(blocks hcl.Blocks, typ string) hcl.Blocks {
	var out hcl.Blocks
	for _, b := range blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// eval evaluates expr, refusing expressions that would build values far
// larger than their input.
func (s *scope) eval(expr hcl.Expression) (cty.Value, bool) {
	if !s.d.checkExprInput(expr, s) {
		return cty.NilVal, false
	}
	v, diags := expr.Value(s.d.ctx)
	s.add(diags)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() {
		// Unknown values come only from references already reported as
		// undeclared or from failed locals; say nothing more.
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	if err := s.d.budget.chargeValue(v); err != nil {
		s.errorf(expr.Range().Ptr(), budgetSummary(err), "%s.", capitalize(err.Error()))
		return cty.NilVal, false
	}
	return v, true
}

// checkExprInput refuses an expression whose referenced var and local
// values add up, counting each reference, to more than MaxExprInput.
func (d *decoder) checkExprInput(expr hcl.Expression, s *scope) bool {
	return d.checkTraversals(expr.Variables(), expr.Range(), s)
}

// checkTraversals is checkExprInput for the references of an expression
// or body at rng.
func (d *decoder) checkTraversals(refs []hcl.Traversal, rng hcl.Range, s *scope) bool {
	total := 0
	for _, t := range refs {
		root := t.RootName()
		if root != "var" && root != "local" {
			continue
		}
		v, ok := lookupVariable(d.ctx, root)
		if !ok || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok && v.Type().IsObjectType() && v.Type().HasAttribute(a.Name) {
			total += valueSize(v.GetAttr(a.Name), MaxExprInput)
		}
		if total > MaxExprInput {
			s.errorf(rng.Ptr(), "Expression too large",
				"This expression refers to more than %d bytes of variable values.", MaxExprInput)
			return false
		}
	}
	return true
}

// lookupVariable finds name in ctx or its parents.
func lookupVariable(ctx *hcl.EvalContext, name string) (cty.Value, bool) {
	for ; ctx != nil; ctx = ctx.Parent() {
		if v, ok := ctx.Variables[name]; ok {
			return v, true
		}
	}
	return cty.NilVal, false
}

// attrValue evaluates the attribute name, if set and not null.
func (s *scope) attrValue(attrs hcl.Attributes, name string) (cty.Value, *hcl.Attribute, bool) {
	a, ok := attrs[name]
	if !ok {
		return cty.NilVal, nil, false
	}
	v, ok := s.eval(a.Expr)
	if !ok || v.IsNull() {
		return cty.NilVal, a, false
	}
	return v, a, true
}

// typeError reports a value of the wrong type for attribute name.
func (s *scope) typeError(a *hcl.Attribute, want string, got cty.Value) {
	s.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type",
		"Inappropriate value for attribute %q: %s is required, got %s.", a.Name, want, describe(got))
}

// describe names a value's type, with the value itself when short.
func describe(v cty.Value) string {
	if v == cty.NilVal {
		return "nothing"
	}
	ty := v.Type()
	switch {
	case !v.IsKnown() || v.IsNull():
		return ty.FriendlyName()
	case ty == cty.String:
		s := v.AsString()
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return fmt.Sprintf("string %q", s)
	case ty == cty.Number:
		return "number " + v.AsBigFloat().Text('g', -1)
	case ty == cty.Bool:
		return fmt.Sprintf("bool %t", v.True())
	}
	return ty.FriendlyName()
}

func (s *scope) str(attrs hcl.Attributes, name string, dst *string) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		s.typeError(a, "a string", v)
		return false
	}
	*dst = sv.AsString()
	return true
}

// enum reads a string that must be one of allowed.
func (s *scope) enum(attrs hcl.Attributes, name string, dst *string, allowed ...string) bool {
	var v string
	if !s.str(attrs, name, &v) {
		return false
	}
	for _, a := range allowed {
		if v == a {
			*dst = v
			return true
		}
	}
	s.errorf(attrs[name].Expr.Range().Ptr(), "Invalid value for "+name,
		"%q is not accepted.%s Accepted: %s.", v, didYouMean(v, allowed), quoteList(allowed))
	return false
}

func (s *scope) number(attrs hcl.Attributes, name string) (int64, *hcl.Attribute, bool) {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return 0, a, false
	}
	n, ok := s.toInt(a, v)
	return n, a, ok
}

// toInt converts the value of attribute a to a whole number.
func (s *scope) toInt(a *hcl.Attribute, v cty.Value) (int64, bool) {
	if err := checkNumericText(v); err != nil {
		s.errorf(a.Expr.Range().Ptr(), numericSummary(err), "The value of %q: %s.", a.Name, err)
		return 0, false
	}
	nv, err := convert.Convert(v, cty.Number)
	if err != nil {
		s.typeError(a, "a number", v)
		return 0, false
	}
	bf := nv.AsBigFloat()
	if !bf.IsInt() {
		s.typeError(a, "a whole number", v)
		return 0, false
	}
	n, acc := bf.Int64()
	if acc != 0 || n > math.MaxInt32 || n < math.MinInt32 {
		s.errorf(a.Expr.Range().Ptr(), "Number out of range", "The value of %q must be between %d and %d.", a.Name, math.MinInt32, math.MaxInt32)
		return 0, false
	}
	return n, true
}

func (s *scope) integer(attrs hcl.Attributes, name string, dst *int) bool {
	n, _, ok := s.number(attrs, name)
	if ok {
		*dst = int(n)
	}
	return ok
}

// bounded reads a whole number between lo and hi.
func (s *scope) bounded(attrs hcl.Attributes, name string, lo, hi int64) (int64, bool) {
	n, a, ok := s.number(attrs, name)
	if !ok {
		return 0, false
	}
	if n < lo || n > hi {
		s.errorf(a.Expr.Range().Ptr(), "Number out of range", "The value of %q must be between %d and %d, got %d.", name, lo, hi, n)
		return 0, false
	}
	return n, true
}

func (s *scope) boolean(attrs hcl.Attributes, name string, dst *bool) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	bv, err := convert.Convert(v, cty.Bool)
	if err != nil {
		s.typeError(a, "a bool (true or false)", v)
		return false
	}
	*dst = bv.True()
	return true
}

// duration reads a Go duration string such as "30s" or "1h30m".
func (s *scope) duration(attrs hcl.Attributes, name string, dst *time.Duration) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		s.typeError(a, `a duration string such as "30s" or "1h30m"`, v)
		return false
	}
	d, err := time.ParseDuration(sv.AsString())
	if err != nil {
		s.typeError(a, `a duration string such as "30s" or "1h30m" (units ns, us, ms, s, m, h)`, v)
		return false
	}
	*dst = d
	return true
}

// size reads a size in MB: a number of MB, or a string with a unit
// ("512MB", "2GiB"; units are binary, 1GB = 1024MB).
func (s *scope) size(attrs hcl.Attributes, name string, dst *int) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	if v.Type() == cty.String {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v.AsString()), 64); err != nil {
			mb, ok := parseSizeMB(v.AsString())
			if !ok {
				s.typeError(a, `a size in MB such as 512, or with a unit such as "512MB" or "2GB"`, v)
				return false
			}
			*dst = mb
			return true
		}
	}
	n, ok := s.toInt(a, v)
	if ok {
		*dst = int(n)
	}
	return ok
}

var sizeUnits = []struct {
	suffix string
	kb     int64
}{
	{"KIB", 1}, {"KB", 1}, {"K", 1},
	{"MIB", 1 << 10}, {"MB", 1 << 10}, {"M", 1 << 10},
	{"GIB", 1 << 20}, {"GB", 1 << 20}, {"G", 1 << 20},
	{"TIB", 1 << 30}, {"TB", 1 << 30}, {"T", 1 << 30},
}

// parseSizeMB parses "512MB", "1.5GiB", "300" into MB, rounding up.
func parseSizeMB(s string) (int, bool) {
	t := strings.ToUpper(strings.TrimSpace(s))
	kb := int64(1 << 10)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, kb = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.kb
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	mb := math.Ceil(f * float64(kb) / 1024)
	if mb > math.MaxInt32 {
		return 0, false
	}
	return int(mb), true
}

// strList reads a list of strings.
func (s *scope) strList(attrs hcl.Attributes, name string, dst *[]string) bool {
	v, a, ok := s.attrValue(attrs, name)
	if !ok {
		return false
	}
	lv, err := convert.Convert(v, cty.List(cty.String))
	if err != nil || lv.IsNull() {
		s.typeError(a, "a list of strings", v)
		return false
	}
	out := make([]string, 0, lv.LengthInt())
	for it := lv.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			s.typeError(a, "a list of strings without nulls", v)
			return false
		}
		out = append(out, e.AsString())
	}
	*dst = out
	return true
}

// strMap reads a map of strings from an attribute.
func (s *scope) strMap(a *hcl.Attribute) map[string]string {
	v, ok := s.eval(a.Expr)
	if !ok || v.IsNull() {
		return nil
	}
	mv, err := convert.Convert(v, cty.Map(cty.String))
	if err != nil || mv.IsNull() {
		s.typeError(a, "a map of strings", v)
		return nil
	}
	out := map[string]string{}
	for it := mv.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() {
			s.typeError(a, "a map of strings without nulls", v)
			return nil
		}
		out[k.AsString()] = e.AsString()
	}
	return out
}

// stringMap reads name given either as a block (`meta { k = "v" }`) or as
// an attribute (`meta = { "k.x" = "v" }`), merging repeated blocks.
func (s *scope) stringMap(c *hcl.BodyContent, name string) map[string]string {
	var out map[string]string
	if a, ok := c.Attributes[name]; ok {
		out = s.strMap(a)
		if out == nil {
			out = map[string]string{}
		}
	}
	for _, b := range blocksOf(c.Blocks, name) {
		if out == nil {
			out = map[string]string{}
		}
		bs := s.child(b)
		attrs, diags := b.Body.JustAttributes()
		bs.add(diags)
		for _, k := range sortedAttrNames(attrs) {
			var v string
			if bs.str(attrs, k, &v) {
				out[k] = v
			}
		}
	}
	return out
}

func sortedAttrNames(attrs hcl.Attributes) []string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		return attrs[names[i]].Range.Start.Byte < attrs[names[j]].Range.Start.Byte
	})
	return names
}
