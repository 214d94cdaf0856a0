package jobspec

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// HCL's parser is recursive descent and its AST is evaluated recursively:
// a file nested 100,000 levels deep exhausts the Go stack, which no
// recover can catch. So the tokens are checked first, which takes no
// recursion, against MaxNestingDepth, MaxOperatorDepth and the number
// limits.

// checkHCLSource checks a whole file (a job or variable file).
func checkHCLSource(name string, src []byte) hcl.Diagnostics {
	toks, _ := hclsyntax.LexConfig(src, name, hcl.InitialPos)
	return checkTokens(toks)
}

// checkHCLExpression checks one expression, such as a -var value.
func checkHCLExpression(name string, src []byte) hcl.Diagnostics {
	toks, _ := hclsyntax.LexExpression(src, name, hcl.InitialPos)
	return checkTokens(toks)
}

// nestKind is what opened a nesting level.
type nestKind int

const (
	nestBrace     nestKind = iota // a block body or an object: newlines end expressions
	nestBracket                   // ( or [
	nestTemplate                  // a quoted string or a heredoc
	nestInterp                    // ${
	nestControl                   // %{
	nestDirective                 // the body of %{ if } or %{ for }
)

// nestLevel is one level of nesting in the token stream.
type nestLevel struct {
	kind nestKind
	// depth is the nesting depth inside this level, not counting what is
	// pending in it; ops likewise for MaxOperatorDepth.
	depth, ops int
	// pending counts the conditionals (?) of the current expression at
	// this level, and chain its binary operators, attribute accesses and
	// index operations: each nests what follows it one level deeper once
	// parsed. Both end with the expression (a comma, or a newline in a
	// body or object).
	pending, chain int
	// unary counts the run of ! and unary - just before this token.
	unary int
	// keyword is the first word of a %{ } directive.
	keyword string
}

func (l *nestLevel) total() int   { return l.depth + l.pending + l.unary }
func (l *nestLevel) opTotal() int { return l.ops + l.chain }

// checkTokens walks the tokens once, keeping a stack of nesting levels,
// and reports the first place a limit is crossed and every number literal
// out of range.
func checkTokens(toks hclsyntax.Tokens) hcl.Diagnostics {
	var diags hcl.Diagnostics
	stack := []nestLevel{{kind: nestBrace}}
	top := func() *nestLevel { return &stack[len(stack)-1] }
	push := func(kind nestKind) {
		t := top()
		stack = append(stack, nestLevel{kind: kind, depth: t.total() + 1, ops: t.opTotal()})
	}
	pop := func() nestLevel {
		l := *top()
		if len(stack) > 1 {
			stack = stack[:len(stack)-1]
		}
		return l
	}
	prev := hclsyntax.TokenNil
	for i := range toks {
		tok := &toks[i]
		at := len(stack) - 1
		t := top() // only until a push, which may move the stack
		operandBefore := endsOperand(prev)
		if tok.Type != hclsyntax.TokenComment {
			prev = tok.Type
		}
		unary := tok.Type == hclsyntax.TokenBang || tok.Type == hclsyntax.TokenMinus && !operandBefore
		switch tok.Type {
		case hclsyntax.TokenOBrace:
			push(nestBrace)
		case hclsyntax.TokenOParen:
			push(nestBracket)
		case hclsyntax.TokenOBrack:
			if operandBefore {
				t.chain++ // an index: x[i]
			}
			push(nestBracket)
		case hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			push(nestTemplate)
		case hclsyntax.TokenTemplateInterp:
			push(nestInterp)
		case hclsyntax.TokenTemplateControl:
			push(nestControl)
		case hclsyntax.TokenCBrace, hclsyntax.TokenCParen, hclsyntax.TokenCBrack,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			pop()
		case hclsyntax.TokenTemplateSeqEnd:
			l := pop()
			switch l.keyword {
			case "if", "for":
				push(nestDirective)
			case "endif", "endfor":
				if top().kind == nestDirective {
					pop()
				}
			}
		case hclsyntax.TokenIdent:
			if t.kind == nestControl && t.keyword == "" {
				t.keyword = string(tok.Bytes)
			}
		case hclsyntax.TokenNewline:
			if t.kind == nestBrace {
				t.pending, t.chain = 0, 0
			}
		case hclsyntax.TokenComma, hclsyntax.TokenEqual:
			t.pending, t.chain = 0, 0
		case hclsyntax.TokenQuestion:
			t.pending++
		case hclsyntax.TokenBang:
			t.unary++
		case hclsyntax.TokenMinus:
			if operandBefore {
				t.chain++
			} else {
				t.unary++
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenAnd, hclsyntax.TokenOr,
			hclsyntax.TokenDot:
			t.chain++
		case hclsyntax.TokenNumberLit:
			if d := checkNumberLiteral(tok); d != nil {
				diags = append(diags, d)
			}
		}
		if d := nestingLimit(top(), tok); d != nil {
			return append(diags, d)
		}
		if !unary && at < len(stack) {
			// A run of unary operators nests what follows up to the
			// end of its operand, which a bracket opened here is part of.
			stack[at].unary = 0
		}
	}
	return diags
}

// nestingLimit reports whether level l, reached at tok, is too deep.
func nestingLimit(l *nestLevel, tok *hclsyntax.Token) *hcl.Diagnostic {
	switch {
	case l.total() > MaxNestingDepth:
		return errorDiag(tok.Range.Ptr(), "Nesting too deep",
			"This is nested more than %d levels deep, the most a job file may nest. Blocks, brackets, "+
				"strings and their interpolations, conditionals and the operators ! and - each count a level; "+
				"move inner parts into locals.", MaxNestingDepth)
	case l.opTotal() > MaxOperatorDepth:
		return errorDiag(tok.Range.Ptr(), "Expression too complex",
			"This expression chains more than %d operators, attribute accesses and index operations, "+
				"the most one expression may; split it up with locals.", MaxOperatorDepth)
	}
	return nil
}

// endsOperand reports whether a token of type t can end an operand, so
// that a - or [ after it is a binary operator or an index.
func endsOperand(t hclsyntax.TokenType) bool {
	switch t {
	case hclsyntax.TokenIdent, hclsyntax.TokenNumberLit, hclsyntax.TokenCParen, hclsyntax.TokenCBrack,
		hclsyntax.TokenCBrace, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenStar:
		return true
	}
	return false
}

// checkNumberLiteral refuses a number literal that is too long or out of
// range, before anything turns it into text.
func checkNumberLiteral(tok *hclsyntax.Token) *hcl.Diagnostic {
	if len(tok.Bytes) > MaxNumberLength {
		return errorDiag(tok.Range.Ptr(), "Number literal too long",
			"This number has %d characters; a number literal may have at most %d.", len(tok.Bytes), MaxNumberLength)
	}
	f, _, err := big.ParseFloat(string(tok.Bytes), 10, 512, big.ToNearestEven)
	if err != nil {
		return nil // the parser reports it
	}
	if err := checkNumber(f); err != nil {
		return errorDiag(tok.Range.Ptr(), "Number out of range", "%s.", capitalize(err.Error()))
	}
	return nil
}

// checkNumber refuses a number outside a 64-bit float's range, or
// infinite. MantExp costs nothing, unlike writing the number out.
func checkNumber(f *big.Float) error {
	if f.IsInf() {
		return &numberRangeError{"the number is infinite; numbers must be finite, of a magnitude between about 4.9e-324 and 1.8e308, or 0"}
	}
	if f.Sign() == 0 {
		return nil
	}
	if exp := f.MantExp(nil); exp > MaxNumberExponent || exp < MinNumberExponent {
		return &numberRangeError{fmt.Sprintf("the number is of a magnitude around 2^%d; numbers must be of a magnitude between about 4.9e-324 and 1.8e308 (2^%d to 2^%d), or 0",
			exp, MinNumberExponent, MaxNumberExponent)}
	}
	return nil
}

// numberRangeError is checkNumber's error.
type numberRangeError struct{ msg string }

func (e *numberRangeError) Error() string { return e.msg }

// numericSummary is the diagnostic summary for an error of
// checkNumericText.
func numericSummary(err error) string {
	var ne *numberRangeError
	if errors.As(err, &ne) {
		return "Number out of range"
	}
	return "Number too long"
}

// budgetSummary is the diagnostic summary for an error of chargeValue.
func budgetSummary(err error) string {
	var ne *numberRangeError
	if errors.As(err, &ne) {
		return "Number out of range"
	}
	return "Value too large"
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// checkJSONSource checks a JSON job or variable file: its arrays and
// objects may nest at most MaxNestingDepth deep, and its numbers may have
// at most MaxNumberLength characters. It does not otherwise validate the
// JSON; the decoder does.
func checkJSONSource(name string, src []byte) hcl.Diagnostics {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			// Skip the string, minding escapes.
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '[' || c == '{':
			if depth++; depth > MaxNestingDepth {
				r := rangeAt(name, src, i)
				return hcl.Diagnostics{errorDiag(&r, "Nesting too deep",
					"This JSON array or object is nested more than %d levels deep, the most a job or variable file may nest.", MaxNestingDepth)}
			}
		case c == ']' || c == '}':
			depth--
		case c == '-' || c >= '0' && c <= '9':
			end := i + 1
			for end < len(src) && bytes.IndexByte([]byte("0123456789.eE+-"), src[end]) >= 0 {
				end++
			}
			if end-i > MaxNumberLength {
				r := rangeAt(name, src, i)
				return hcl.Diagnostics{errorDiag(&r, "Number literal too long",
					"This number has %d characters; a number may have at most %d.", end-i, MaxNumberLength)}
			}
			i = end - 1
		}
	}
	return nil
}
