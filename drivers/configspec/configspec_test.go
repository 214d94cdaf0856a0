package configspec

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func decode(t *testing.T, spec hcldec.Spec, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return hcldec.Decode(f.Body, spec, nil)
}

func TestDuration(t *testing.T) {
	spec := hcldec.ObjectSpec{"run_for": Duration("run_for")}
	for src, wantErr := range map[string]bool{
		`run_for = "30s"`:                  false,
		`run_for = "1h30m"`:                false,
		`run_for = "$${NOMAD_META_delay}"`: false, // runtime interpolation, as jobspec leaves it
		`run_for = "soon"`:                 true,
		``:                                 false,
	} {
		_, diags := decode(t, spec, src)
		if diags.HasErrors() != wantErr {
			t.Errorf("%q: errors = %v, want %v", src, diags, wantErr)
		}
	}
}

func TestOneOf(t *testing.T) {
	spec := hcldec.ObjectSpec{"mode": OneOf("mode", "a", "b")}
	if _, diags := decode(t, spec, `mode = "a"`); diags.HasErrors() {
		t.Errorf("a: %v", diags)
	}
	_, diags := decode(t, spec, `mode = "c"`)
	if !diags.HasErrors() || diags[0].Detail != `The argument "mode" must be one of "a", "b"; got "c".` {
		t.Errorf("c: %v", diags)
	}
}

func TestRequired(t *testing.T) {
	spec := hcldec.ObjectSpec{"image": Required("image", cty.String), "n": Attr("n", cty.Number)}
	if _, diags := decode(t, spec, `n = 1`); !diags.HasErrors() {
		t.Error("missing image: no error")
	}
	v, diags := decode(t, spec, `image = "redis"`)
	if diags.HasErrors() || v.GetAttr("image").AsString() != "redis" || !v.GetAttr("n").IsNull() {
		t.Errorf("got %#v, %v", v, diags)
	}
}
