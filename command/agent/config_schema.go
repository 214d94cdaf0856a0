package agent

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// blockSchema is what one block of the config file may contain, read from
// the hcl tags of the Go type it decodes into.
type blockSchema struct {
	attrs    []string
	blocks   map[string]*blockSchema
	freeForm bool // a ",remain" body: anything goes
}

func configSchemaOf(c *Config) *blockSchema { return schemaOf(reflect.TypeOf(c).Elem()) }

func schemaOf(t reflect.Type) *blockSchema {
	s := &blockSchema{blocks: map[string]*blockSchema{}}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("hcl")
		if tag == "" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		switch kind {
		case "", "attr", "optional":
			s.attrs = append(s.attrs, name)
		case "block":
			et := t.Field(i).Type
			for et.Kind() == reflect.Slice || et.Kind() == reflect.Ptr {
				et = et.Elem()
			}
			s.blocks[name] = schemaOf(et)
		case "remain":
			s.freeForm = true
		}
	}
	sort.Strings(s.attrs)
	return s
}

func (s *blockSchema) blockNames() []string {
	out := make([]string, 0, len(s.blocks))
	for n := range s.blocks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// checkUnknown reports every attribute and block the schema does not know,
// with the closest allowed name and the full list of allowed names, which
// gohcl alone does not give. Only native HCL syntax is walked; JSON files
// get gohcl's own diagnostics.
func checkUnknown(body hcl.Body, s *blockSchema, where string) hcl.Diagnostics {
	b, ok := body.(*hclsyntax.Body)
	if !ok || s.freeForm {
		return nil
	}
	in := "at the top level"
	if where != "" {
		in = "in the " + where + " block"
	}
	var diags hcl.Diagnostics
	names := make([]string, 0, len(b.Attributes))
	for n := range b.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		attr := b.Attributes[name]
		if contains(s.attrs, name) {
			continue
		}
		detail := fmt.Sprintf("%q is not an argument %s.", name, in)
		if _, isBlock := s.blocks[name]; isBlock {
			detail += fmt.Sprintf(" %q is a block: write %s { ... } without the equals sign.", name, name)
		} else if sug := closest(name, append(append([]string(nil), s.attrs...), s.blockNames()...)); sug != "" {
			detail += fmt.Sprintf(" Did you mean %q?", sug)
		}
		detail += allowed(s)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown argument",
			Detail:   detail,
			Subject:  attr.NameRange.Ptr(),
		})
	}
	for _, blk := range b.Blocks {
		sub, ok := s.blocks[blk.Type]
		if !ok {
			detail := fmt.Sprintf("%q is not a block %s.", blk.Type, in)
			if contains(s.attrs, blk.Type) {
				detail += fmt.Sprintf(" %q is an argument: write %s = value.", blk.Type, blk.Type)
			} else if sug := closest(blk.Type, append(append([]string(nil), s.attrs...), s.blockNames()...)); sug != "" {
				detail += fmt.Sprintf(" Did you mean %q?", sug)
			}
			detail += allowed(s)
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown block",
				Detail:   detail,
				Subject:  blk.TypeRange.Ptr(),
			})
			continue
		}
		path := blk.Type
		if where != "" {
			path = where + "." + blk.Type
		}
		diags = append(diags, checkUnknown(blk.Body, sub, path)...)
	}
	return diags
}

func allowed(s *blockSchema) string {
	out := " Allowed arguments: " + strings.Join(s.attrs, ", ")
	if len(s.attrs) == 0 {
		out = " No arguments are allowed here"
	}
	if bn := s.blockNames(); len(bn) > 0 {
		out += "; blocks: " + strings.Join(bn, ", ")
	}
	return out + "."
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// closest returns the candidate within edit distance 2 (or a third of the
// name's length, whichever is larger) of name, or "".
func closest(name string, candidates []string) string {
	best, bestD := "", len(name)/3
	if bestD < 2 {
		bestD = 2
	}
	bestD++
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
