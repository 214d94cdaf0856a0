package jobspec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// A job file's expressions know two roots of their own: var (the
// variable blocks) and local (the locals blocks). Every other root name is
// text for someone else, and a reference to it evaluates to its own source,
// "${" + text + "}", as Nomad's HCL2 parser does for names it does not
// know. Two kinds of such text matter:
//
//   - values only a client knows where the task is placed: attr.*, meta.*,
//     node.*, env.*, device.* and the NOMAD_* runtime variables, which the
//     client fills in;
//   - text for the task itself: shell variables (${HOME}, ${PATH}) and
//     template text inside heredocs, which must reach the task unchanged.
//
// A mistake inside the job file's own roots stays an error: var.undeclared
// and local.undeclared are reported by checkReferences (locals.go), and a
// call to an unknown function by HCL. Only an expression that is nothing
// but a reference passes through; ${1} is a number and ${a + b} is
// arithmetic, as in Nomad, and $${...} is still the escape for text that
// must not be evaluated at all.
func isRuntimeRoot(name string) bool {
	return name != "var" && name != "local"
}

// runtimeHelp is added to "Unknown variable" diagnostics, which HCL still
// gives where no reference may be evaluated (a variable's default, for one).
const runtimeHelp = "Job files can refer to var.NAME (a variable block) and local.NAME (a locals block); " +
	"any other ${name}, such as ${attr.kernel.name}, ${NOMAD_PORT_http} or ${HOME}, is kept as text " +
	"for the client or the task, and $${name} keeps the text without evaluating it."

// rtNode is one step of a runtime reference: its literal text if some
// reference ends here, and the steps below it.
type rtNode struct {
	text string
	kids map[string]*rtNode
}

// addRuntimeTraversal records t, a reference to a runtime root, so that
// it evaluates to "${" + its source text + "}": attr.kernel.name becomes
// "${attr.kernel.name}". scanReferences (parse.go) calls it for every such
// reference in the file; evaluating with the result leaves runtime
// interpolation untouched while still evaluating the rest.
func addRuntimeTraversal(roots map[string]*rtNode, t hcl.Traversal, src []byte) {
	name := t.RootName()
	n := roots[name]
	if n == nil {
		n = &rtNode{}
		roots[name] = n
	}
	canonical := name
	complete := true
	for _, step := range t[1:] {
		var key string
		switch s := step.(type) {
		case hcl.TraverseAttr:
			key = s.Name
		case hcl.TraverseIndex:
			// A number index, as in a shell's ${args[0]}, is kept as the
			// object key "0": HCL converts the index of an object to a
			// string, so the reference finds this node.
			k, err := convert.Convert(s.Key, cty.String)
			if err != nil || !k.IsKnown() || k.IsNull() {
				complete = false
			} else {
				key = k.AsString()
			}
		default:
			complete = false
		}
		if !complete {
			break
		}
		canonical += "." + key
		if n.kids == nil {
			n.kids = map[string]*rtNode{}
		}
		kid := n.kids[key]
		if kid == nil {
			kid = &rtNode{}
			n.kids[key] = kid
		}
		n = kid
	}
	if n.text != "" {
		return
	}
	text := canonical
	if r := t.SourceRange(); complete && r.Start.Byte >= 0 && r.End.Byte <= len(src) && r.Start.Byte < r.End.Byte {
		text = string(src[r.Start.Byte:r.End.Byte])
	}
	n.text = "${" + text + "}"
}

func (n *rtNode) value() cty.Value {
	if len(n.kids) == 0 {
		return cty.StringVal(n.text)
	}
	attrs := make(map[string]cty.Value, len(n.kids))
	for k, kid := range n.kids {
		attrs[k] = kid.value()
	}
	return cty.ObjectVal(attrs)
}
