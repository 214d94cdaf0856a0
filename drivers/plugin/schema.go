package plugin

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Schema describes a config block so that it can cross the plugin
// boundary as JSON: the client rebuilds an hcldec.Spec from it with Spec
// and decodes a task's config block with that. It covers what drivers'
// specs use — object specs of attributes and nested blocks. Validation
// functions (hcldec.ValidateSpec) stay behind in the plugin, which checks
// the decoded config again in StartTask.
type Schema struct {
	Attrs  map[string]*SchemaAttr  `json:"attrs,omitempty"`
	Blocks map[string]*SchemaBlock `json:"blocks,omitempty"`
}

// SchemaAttr is one attribute: its HCL name, its cty type in cty's JSON
// type notation (e.g. "string", ["list","number"]) and whether it is
// required.
type SchemaAttr struct {
	Name     string          `json:"name"`
	Type     json.RawMessage `json:"type"`
	Required bool            `json:"required,omitempty"`
}

// SchemaBlock is a nested block that appears at most once, or any number
// of times when List is set.
type SchemaBlock struct {
	TypeName string  `json:"type_name"`
	Required bool    `json:"required,omitempty"`
	Nested   *Schema `json:"nested"`
	// List says the block may appear any number of times.
	List bool `json:"list,omitempty"`
}

// SchemaFromSpec describes an hcldec.ObjectSpec (or nil, the empty
// schema). Any other kind of spec is refused with the key it sits under.
func SchemaFromSpec(spec hcldec.Spec) (*Schema, error) {
	s := &Schema{Attrs: map[string]*SchemaAttr{}, Blocks: map[string]*SchemaBlock{}}
	if spec == nil {
		return s, nil
	}
	obj, ok := spec.(hcldec.ObjectSpec)
	if !ok {
		return nil, fmt.Errorf("schema: top-level spec is %T, want hcldec.ObjectSpec", spec)
	}
	for key, sub := range obj {
		if err := s.add(key, sub); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Schema) add(key string, spec hcldec.Spec) error {
	switch v := spec.(type) {
	case *hcldec.ValidateSpec:
		return s.add(key, v.Wrapped)
	case *hcldec.AttrSpec:
		t, err := ctyjson.MarshalType(v.Type)
		if err != nil {
			return fmt.Errorf("schema: attribute %q: %w", key, err)
		}
		s.Attrs[key] = &SchemaAttr{Name: v.Name, Type: t, Required: v.Required}
	case *hcldec.BlockSpec:
		nested, err := SchemaFromSpec(v.Nested)
		if err != nil {
			return fmt.Errorf("schema: block %q: %w", key, err)
		}
		s.Blocks[key] = &SchemaBlock{TypeName: v.TypeName, Required: v.Required, Nested: nested}
	case *hcldec.BlockListSpec:
		nested, err := SchemaFromSpec(v.Nested)
		if err != nil {
			return fmt.Errorf("schema: block %q: %w", key, err)
		}
		s.Blocks[key] = &SchemaBlock{TypeName: v.TypeName, Nested: nested, List: true}
	default:
		return fmt.Errorf("schema: %q is a %T, which a driver schema cannot carry", key, spec)
	}
	return nil
}

// Spec rebuilds the hcldec.ObjectSpec the schema describes.
func (s *Schema) Spec() (hcldec.Spec, error) {
	obj := hcldec.ObjectSpec{}
	if s == nil {
		return obj, nil
	}
	for key, a := range s.Attrs {
		var t cty.Type
		t, err := ctyjson.UnmarshalType(a.Type)
		if err != nil {
			return nil, fmt.Errorf("schema: attribute %q: %w", key, err)
		}
		obj[key] = &hcldec.AttrSpec{Name: a.Name, Type: t, Required: a.Required}
	}
	for key, b := range s.Blocks {
		nested, err := b.Nested.Spec()
		if err != nil {
			return nil, fmt.Errorf("schema: block %q: %w", key, err)
		}
		if b.List {
			obj[key] = &hcldec.BlockListSpec{TypeName: b.TypeName, Nested: nested}
			continue
		}
		obj[key] = &hcldec.BlockSpec{TypeName: b.TypeName, Required: b.Required, Nested: nested}
	}
	return obj, nil
}
