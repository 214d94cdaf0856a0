package template

import (
	"bytes"
	"testing"
	"text/template"
)

func TestFuncs(t *testing.T) {
	env := map[string]string{"K": "v"}
	for in, want := range map[string]string{
		`{{ env "K" }}|{{ env "missing" }}`:                                                  "v|",
		`{{ "AbC" | toLower }}{{ "x" | toUpper }}`:                                           "abcX",
		`{{ "  s  " | trimSpace }}{{ "--s--" | trim "-" }}`:                                  "ss",
		`{{ "a.b" | replaceAll "." "_" }}`:                                                   "a_b",
		`{{ "abc" | contains "b" }} {{ "abc" | hasPrefix "a" }} {{ "abc" | hasSuffix "a" }}`: "true true false",
		`{{ "aGk=" | base64Decode }}`:                                                        "hi",
		`{{ "" | sha256Hex }}`:                                                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		`{{ split "," "a,b" | toJSON }}`:                                                     `["a","b"]`,
		`{{ "true" | parseBool }}`:                                                           "true",
	} {
		tmpl, err := template.New("t").Funcs(funcs(env)).Parse(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var out bytes.Buffer
		if err := tmpl.Execute(&out, nil); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if out.String() != want {
			t.Errorf("%s = %q, want %q", in, out.String(), want)
		}
	}
}
