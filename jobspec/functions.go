package jobspec

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the functions a job file may call: HCL's standard
// library, try and can, and, when baseDir is not empty, file and
// fileexists confined to baseDir; each charges its results to b. The
// guard functions of b come with them.
func functions(baseDir string, b *budget) map[string]function.Function {
	fns := map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"base64decode":    base64DecodeFunc,
		"base64encode":    base64EncodeFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"regex_replace":   stdlib.RegexReplaceFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strlen":          stdlib.StrlenFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"upper":           stdlib.UpperFunc,
		"urlencode":       urlEncodeFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
	if baseDir != "" {
		fns["file"] = makeFileFunc(baseDir)
		fns["fileexists"] = makeFileExistsFunc(baseDir)
	}
	for name, f := range fns {
		fns[name] = bounded(name, f, b)
	}
	// try and can evaluate their arguments themselves; wrapping them would
	// evaluate the arguments too early.
	fns["try"] = tryfunc.TryFunc
	fns["can"] = tryfunc.CanFunc
	for name, f := range b.guardFunctions() {
		fns[name] = f
	}
	return fns
}

// functionNames lists the functions available to a job file, for the
// reference documentation test.
func functionNames(withFiles bool) []string {
	dir := ""
	if withFiles {
		dir = "."
	}
	var names []string
	for n := range functions(dir, newBudget(nil)) {
		if !isGuard(n) {
			names = append(names, n)
		}
	}
	return names
}

// bounded wraps f so that arguments asking for unbounded work are refused
// before the call, and results are charged to b: their elements, their
// size, and numbers out of range are refused.
func bounded(name string, f function.Function, b *budget) function.Function {
	// Number parameters take any type here, so that no argument is
	// converted (a long string to a number is costly) before it is
	// checked; f converts them.
	params := f.Params()
	for i := range params {
		params[i] = dynamicParam(params[i])
	}
	var varParam *function.Parameter
	if vp := f.VarParam(); vp != nil {
		p := dynamicParam(*vp)
		varParam = &p
	}
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      params,
		VarParam:    varParam,
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			converted := make([]cty.Value, len(args))
			for i, a := range args {
				converted[i] = a
				p := paramAt(f, i)
				if p == nil || p.Type != cty.Number && p.Type != cty.DynamicPseudoType {
					continue
				}
				// These arguments may become numbers (abs, range,
				// format's %d, tonumber, ...).
				if err := checkNumericText(a); err != nil {
					return cty.NilVal, function.NewArgError(i, err)
				}
				if c, err := convert.Convert(a, p.Type); err == nil {
					converted[i], _ = c.Unmark()
				}
			}
			if err := checkArgs(name, converted); err != nil {
				return cty.NilVal, err
			}
			if err := b.check(); err != nil {
				return cty.NilVal, err
			}
			v, err := f.Call(args)
			if err != nil {
				return v, err
			}
			if u, _ := v.Unmark(); u.IsKnown() && !u.IsNull() && u.CanIterateElements() {
				if err := b.chargeElements(u.LengthInt()); err != nil {
					return cty.NilVal, err
				}
			}
			if err := b.chargeValue(v); err != nil {
				return cty.NilVal, err
			}
			return v, nil
		},
	})
}

// dynamicParam is p taking any type if it takes a number.
func dynamicParam(p function.Parameter) function.Parameter {
	if p.Type == cty.Number {
		p.Type = cty.DynamicPseudoType
	}
	return p
}

// paramAt is f's parameter for argument i, or nil.
func paramAt(f function.Function, i int) *function.Parameter {
	if ps := f.Params(); i < len(ps) {
		return &ps[i]
	}
	return f.VarParam()
}

// checkArgs refuses the arguments of the few functions whose work does
// not follow from the size of their input.
func checkArgs(name string, args []cty.Value) error {
	switch name {
	case "format", "formatlist":
		if len(args) > 0 && args[0].IsKnown() && !args[0].IsNull() && args[0].Type() == cty.String {
			if w := largestFormatNumber(args[0].AsString()); w > MaxFormatWidth {
				return fmt.Errorf("a width or precision of %d is larger than the %d allowed", w, MaxFormatWidth)
			}
		}
	case "indent":
		if len(args) > 0 && args[0].IsKnown() && !args[0].IsNull() && args[0].Type() == cty.Number {
			if n, _ := args[0].AsBigFloat().Int64(); n > MaxIndent {
				return fmt.Errorf("indenting by %d spaces is more than the %d allowed", n, MaxIndent)
			}
		}
	case "setproduct":
		total := 1
		for _, a := range args {
			if !a.IsKnown() || a.IsNull() || !a.CanIterateElements() {
				return nil
			}
			total *= max(a.LengthInt(), 1)
			if total > MaxSetProduct {
				return fmt.Errorf("the product has more than %d elements", MaxSetProduct)
			}
		}
	}
	return nil
}

// largestFormatNumber returns the largest run of digits after a '%' in a
// format string, which bounds the widths and precisions it asks for.
func largestFormatNumber(format string) int {
	largest := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		n := 0
		for i++; i < len(format) && strings.IndexByte("0123456789.+- #[]*", format[i]) >= 0; i++ {
			c := format[i]
			if c >= '0' && c <= '9' {
				if n < 1<<30 {
					n = n*10 + int(c-'0')
				}
				largest = max(largest, n)
			} else {
				n = 0
			}
		}
	}
	return largest
}

// valueSize estimates the memory v needs: string bytes, plus one per
// element. It stops counting past limit.
func valueSize(v cty.Value, limit int) int {
	if !v.IsKnown() || v.IsNull() {
		return 1
	}
	v, _ = v.Unmark()
	ty := v.Type()
	switch {
	case ty == cty.String:
		return len(v.AsString()) + 1
	case ty.IsPrimitiveType():
		return 1
	case v.CanIterateElements():
		total := 1
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			total += valueSize(e, limit-total)
			if total > limit {
				return total
			}
		}
		return total
	}
	return 1
}

var base64EncodeFunc = function.New(&function.Spec{
	Description: "Encodes a string as standard Base64.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString([]byte(args[0].AsString()))), nil
	},
})

var base64DecodeFunc = function.New(&function.Spec{
	Description: "Decodes a standard Base64 string holding UTF-8 text.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		b, err := base64.StdEncoding.DecodeString(args[0].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("not valid Base64: %w", err)
		}
		if !utf8.Valid(b) {
			return cty.NilVal, fmt.Errorf("the decoded bytes are not UTF-8 text")
		}
		return cty.StringVal(string(b)), nil
	},
})

var urlEncodeFunc = function.New(&function.Spec{
	Description: "Escapes a string for use in a URL query.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(url.QueryEscape(args[0].AsString())), nil
	},
})

// confinedPath resolves p, relative to base, and refuses a result outside
// base, following symbolic links.
func confinedPath(base, p string) (string, error) {
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is absolute; give a path relative to the job file's directory", p)
	}
	baseReal, err := filepath.EvalSymlinks(base)
	if err != nil {
		return "", fmt.Errorf("job file directory: %w", err)
	}
	full := filepath.Join(baseReal, p)
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(baseReal, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q is outside the job file's directory", p)
	}
	return real, nil
}

func makeFileFunc(base string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a UTF-8 text file beside the job file.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path, err := confinedPath(base, args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			info, err := os.Stat(path)
			if err != nil {
				return cty.NilVal, err
			}
			if !info.Mode().IsRegular() || info.Size() > MaxValueSize {
				return cty.NilVal, fmt.Errorf("%q is not a regular file of at most %d bytes", args[0].AsString(), MaxValueSize)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return cty.NilVal, err
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%q is not UTF-8 text", args[0].AsString())
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

func makeFileExistsFunc(base string) function.Function {
	return function.New(&function.Spec{
		Description: "Reports whether a file exists beside the job file.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path, err := confinedPath(base, args[0].AsString())
			if err != nil {
				if os.IsNotExist(err) {
					return cty.False, nil
				}
				return cty.NilVal, err
			}
			info, err := os.Stat(path)
			return cty.BoolVal(err == nil && info.Mode().IsRegular()), nil
		},
	})
}
