package taskenv

import (
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// nodeValues are the node's interpolation keys.
func nodeValues(n *structs.Node, region string) map[string]string {
	out := map[string]string{}
	if n == nil {
		setIf(out, "node.region", region)
		return out
	}
	out["node.unique.id"] = n.ID
	out["node.unique.name"] = n.Name
	out["node.datacenter"] = n.Datacenter
	out["node.class"] = n.NodeClass
	out["node.pool"] = n.NodePool
	out["node.region"] = region
	for k, v := range n.Attributes {
		out["attr."+k] = v
	}
	for k, v := range n.Meta {
		out["meta."+k] = v
	}
	return out
}

// lookup finds an interpolation key: the environment first, then the node.
func (e *Env) lookup(key string) (string, bool) {
	if v, ok := e.env[key]; ok {
		return v, true
	}
	v, ok := e.node[key]
	return v, ok
}

// Replace interpolates every ${key} in s that names a variable of the
// environment or a node value; any other ${...} is left as it is.
func (e *Env) Replace(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			break
		}
		key := s[i+2 : i+2+j]
		b.WriteString(s[:i])
		if v, ok := e.lookup(strings.TrimSpace(key)); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+2+j+1])
		}
		s = s[i+2+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// ReplaceConfig returns a deep copy of a driver config with every string
// interpolated, however deeply nested in maps and slices. Map keys are
// kept as they are; values of other types are copied as they are.
func (e *Env) ReplaceConfig(cfg map[string]interface{}) map[string]interface{} {
	if cfg == nil {
		return nil
	}
	return e.replaceValue(cfg).(map[string]interface{})
}

func (e *Env) replaceValue(v interface{}) interface{} {
	switch x := v.(type) {
	case string:
		return e.Replace(x)
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, vv := range x {
			out[k] = e.replaceValue(vv)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, vv := range x {
			out[i] = e.replaceValue(vv)
		}
		return out
	case []map[string]interface{}:
		out := make([]map[string]interface{}, len(x))
		for i, vv := range x {
			out[i] = e.replaceValue(vv).(map[string]interface{})
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(x))
		for k, vv := range x {
			out[k] = e.Replace(vv)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, vv := range x {
			out[i] = e.Replace(vv)
		}
		return out
	}
	return v
}
