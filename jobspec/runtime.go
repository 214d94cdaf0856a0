package jobspec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// runtimeRoots are the root names of values only a client knows, where the
// task is placed: node attributes, metadata, devices, the task's
// environment. A job file may use them in any string; they stay there as
// literal "${...}" text for the client to fill in.
var runtimeRoots = map[string]bool{
	"attr":   true,
	"meta":   true,
	"node":   true,
	"env":    true,
	"device": true,
}

// runtimePrefix marks the runtime environment variables Nomad defines for
// every task, such as NOMAD_PORT_http or NOMAD_ALLOC_ID.
const runtimePrefix = "NOMAD_"

func isRuntimeRoot(name string) bool {
	return runtimeRoots[name] || strings.HasPrefix(name, runtimePrefix)
}

// runtimeHelp is added to "Unknown variable" diagnostics.
const runtimeHelp = "Job files can refer to var.NAME (a variable block), local.NAME (a locals block), " +
	"and, as text for the client to fill in, attr.*, meta.*, node.*, env.*, device.* and NOMAD_*."

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
			if s.Key.Type() != cty.String || !s.Key.IsKnown() || s.Key.IsNull() {
				complete = false
			} else {
				key = s.Key.AsString()
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
