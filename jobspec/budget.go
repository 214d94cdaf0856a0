package jobspec

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// budget is the evaluation work one Parse may still do (MaxEvalElements
// and MaxValueSize-sized units of MaxEvalBytes), and the context whose end
// stops it. Evaluation is single-threaded, so it needs no lock.
type budget struct {
	ctx      context.Context
	elements int // elements built so far
	bytes    int // value bytes built so far
	// spent is the error of the first charge over budget: once spent,
	// every guard fails at once rather than after its work.
	spent error
}

func newBudget(ctx context.Context) *budget {
	if ctx == nil {
		ctx = context.Background()
	}
	return &budget{ctx: ctx}
}

// stopped returns the context's error, wrapped, once it is done.
func (b *budget) stopped() error {
	if err := b.ctx.Err(); err != nil {
		return fmt.Errorf("parsing stopped: %w", err)
	}
	return nil
}

// check returns an error once the parse is stopped or over budget.
func (b *budget) check() error {
	if err := b.stopped(); err != nil {
		return err
	}
	return b.spent
}

// chargeElements counts n more elements built.
func (b *budget) chargeElements(n int) error {
	if err := b.check(); err != nil {
		return err
	}
	if b.elements += n; b.elements > MaxEvalElements {
		b.spent = fmt.Errorf("the job file builds more than %d elements with for expressions and functions, the most one file may; iterate over less", MaxEvalElements)
		return b.spent
	}
	return nil
}

// chargeValue counts the size of v as built, refusing it when it is
// larger than MaxValueSize or the parse's values than MaxEvalBytes, or
// when it holds a number out of range.
func (b *budget) chargeValue(v cty.Value) error {
	if err := b.check(); err != nil {
		return err
	}
	left := MaxEvalBytes - b.bytes
	n := valueSize(v, min(left, MaxValueSize)+1)
	switch {
	case n > MaxValueSize:
		return fmt.Errorf("the value is larger than %d bytes, the most one value may be", MaxValueSize)
	case n > left:
		b.spent = fmt.Errorf("the job file builds more than %d bytes of values, the most one file may", MaxEvalBytes)
		return b.spent
	}
	b.bytes += n
	return checkNumbers(v)
}

// Names under which the guards are called. HCL cannot spell them, so a
// job file cannot call them itself.
const (
	guardIterate = "for expression"
	guardValue   = "for expression value"
	guardNumeric = "numeric operand"
)

// guard rewrites the expressions under n before anything evaluates them:
// a `for` expression's collection and values pass through guard functions
// that charge b, and arithmetic operators refuse results out of the range
// of numbers. hclsyntax's node types cannot be implemented outside it, so
// the guards are function calls and wrapped operations; guardFunctions
// are the functions they call.
func (b *budget) guard(n hclsyntax.Node) {
	// Operations whose operands become numbers, with those whose result
	// may outgrow the range of numbers checked.
	ops := map[*hclsyntax.Operation]*hclsyntax.Operation{}
	for _, op := range []*hclsyntax.Operation{hclsyntax.OpAdd, hclsyntax.OpSubtract,
		hclsyntax.OpMultiply, hclsyntax.OpDivide, hclsyntax.OpModulo, hclsyntax.OpNegate} {
		checked := *op
		checked.Impl = b.checkedNumbers(op.Impl)
		ops[op] = &checked
	}
	for _, op := range []*hclsyntax.Operation{hclsyntax.OpLessThan, hclsyntax.OpLessThanOrEqual,
		hclsyntax.OpGreaterThan, hclsyntax.OpGreaterThanOrEqual} {
		ops[op] = op
	}
	_ = hclsyntax.VisitAll(n, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ForExpr:
			e.CollExpr = guardCall(guardIterate, e.CollExpr)
			if e.KeyExpr != nil {
				e.KeyExpr = guardCall(guardValue, e.KeyExpr)
			}
			e.ValExpr = guardCall(guardValue, e.ValExpr)
		case *hclsyntax.BinaryOpExpr:
			if op, ok := ops[e.Op]; ok {
				e.Op = op
				e.LHS = guardCall(guardNumeric, e.LHS)
				e.RHS = guardCall(guardNumeric, e.RHS)
			}
		case *hclsyntax.UnaryOpExpr:
			if op, ok := ops[e.Op]; ok {
				e.Op = op
				e.Val = guardCall(guardNumeric, e.Val)
			}
		case *hclsyntax.IndexExpr:
			e.Key = guardCall(guardNumeric, e.Key)
		case *hclsyntax.Block:
			if e.Type == "config" {
				guardConfig(e.Body)
			}
		}
		return nil
	})
}

// guardConfig refuses numeric text in a task config block's arguments,
// which the driver's schema may convert to numbers. The arguments of
// `dynamic` blocks are left alone: dynblock reads `iterator` as a keyword.
func guardConfig(body *hclsyntax.Body) {
	for _, a := range body.Attributes {
		a.Expr = guardCall(guardNumeric, a.Expr)
	}
	for _, b := range body.Blocks {
		if b.Type != "dynamic" {
			guardConfig(b.Body)
		}
	}
}

// guardCall wraps expr in a call of the guard function name.
func guardCall(name string, expr hclsyntax.Expression) hclsyntax.Expression {
	r := expr.Range()
	return &hclsyntax.FunctionCallExpr{Name: name, Args: []hclsyntax.Expression{expr},
		NameRange: r, OpenParenRange: r, CloseParenRange: r}
}

// guardFunctions are the functions guard's calls need in the evaluation
// context.
func (b *budget) guardFunctions() map[string]function.Function {
	// lazy takes its argument unevaluated, so that once the budget is
	// spent nothing more is evaluated: otherwise each remaining iteration
	// of an outer loop would still build its inner collection. The
	// argument's own diagnostics come back as the error, which
	// guardDiagnostics unwraps.
	lazy := func(check func(cty.Value) error) function.Function {
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "expression", Type: customdecode.ExpressionClosureType}},
			Type:   function.StaticReturnType(cty.DynamicPseudoType),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				if err := b.check(); err != nil {
					return cty.NilVal, err
				}
				v, diags := customdecode.ExpressionClosureFromVal(args[0]).Value()
				if diags.HasErrors() {
					return cty.NilVal, diags
				}
				if !v.IsKnown() || v.IsNull() {
					return v, nil
				}
				u, _ := v.Unmark()
				return v, check(u)
			},
		})
	}
	pass := func(check func(cty.Value) error) function.Function {
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType,
				AllowNull: true, AllowUnknown: true, AllowDynamicType: true}},
			Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				v := args[0]
				if !v.IsKnown() || v.IsNull() {
					return v, nil
				}
				return v, check(v)
			},
		})
	}
	return map[string]function.Function{
		guardIterate: lazy(func(v cty.Value) error {
			if !v.CanIterateElements() {
				return nil
			}
			return b.chargeElements(v.LengthInt())
		}),
		guardValue:   lazy(b.chargeValue),
		guardNumeric: pass(checkNumericText),
	}
}

// checkedNumbers wraps an arithmetic operation's function so that a
// result out of the range of numbers is an error, and so that evaluation
// stops when the parse's context is done.
func (b *budget) checkedNumbers(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if err := b.check(); err != nil {
				return cty.NilVal, err
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			return v, checkNumbers(v)
		},
	})
}

// checkNumbers refuses a value holding a number out of range (see
// checkNumber).
func checkNumbers(v cty.Value) error {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	v, _ = v.Unmark()
	ty := v.Type()
	switch {
	case ty == cty.Number:
		return checkNumber(v.AsBigFloat())
	case ty.IsPrimitiveType():
		return nil
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if err := checkNumbers(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkNumericText refuses a value holding a string that looks like a
// number of more than MaxNumericText characters.
func checkNumericText(v cty.Value) error {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	v, _ = v.Unmark()
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		n := 0
		for n < len(s) && strings.IndexByte("0123456789.eE+-", s[n]) >= 0 {
			n++
		}
		if n > MaxNumericText {
			return fmt.Errorf("a string of %d characters that reads as a number may not be taken for one; it may have at most %d", n, MaxNumericText)
		}
		if n == len(s) && n > 0 {
			// Short, so cheap to parse; but "1e100000000" is a number
			// too large to write out.
			if f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven); err == nil {
				return checkNumber(f)
			}
		}
	case ty.IsPrimitiveType():
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if err := checkNumericText(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// guardDiagnostics rewrites the diagnostics of a failed guard call, which
// would name the guard as a function, to say what was exceeded, or to be
// the diagnostics of the expression it guards.
func guardDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		out = append(out, d)
		extra, ok := hcl.DiagnosticExtra[hclsyntax.FunctionCallDiagExtra](d)
		if !ok || extra.FunctionCallError() == nil {
			continue
		}
		if inner, ok := extra.FunctionCallError().(hcl.Diagnostics); ok && isGuard(extra.CalledFunctionName()) {
			out = append(out[:len(out)-1], guardDiagnostics(inner)...)
			continue
		}
		switch extra.CalledFunctionName() {
		case guardIterate:
			d.Summary = "Too many iterations"
		case guardValue:
			d.Summary = budgetSummary(extra.FunctionCallError())
		case guardNumeric:
			d.Summary = numericSummary(extra.FunctionCallError())
		default:
			continue
		}
		d.Detail = capitalize(extra.FunctionCallError().Error()) + "."
	}
	return out
}

func isGuard(name string) bool {
	return name == guardIterate || name == guardValue || name == guardNumeric
}
