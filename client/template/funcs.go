package template

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// funcs are the functions a template may call besides text/template's
// builtins: env reads the task's environment (a missing key is ""), the
// rest are small string and JSON helpers named as in consul-template.
func funcs(env map[string]string) template.FuncMap {
	return template.FuncMap{
		"env":          func(k string) string { return env[k] },
		"toUpper":      strings.ToUpper,
		"toLower":      strings.ToLower,
		"trimSpace":    strings.TrimSpace,
		"trim":         func(cutset, s string) string { return strings.Trim(s, cutset) },
		"split":        func(sep, s string) []string { return strings.Split(s, sep) },
		"join":         func(sep string, a []string) string { return strings.Join(a, sep) },
		"replaceAll":   func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"contains":     func(sub, s string) bool { return strings.Contains(s, sub) },
		"hasPrefix":    func(prefix, s string) bool { return strings.HasPrefix(s, prefix) },
		"hasSuffix":    func(suffix, s string) bool { return strings.HasSuffix(s, suffix) },
		"base64Encode": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"base64Decode": func(s string) (string, error) {
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		},
		"sha256Hex": func(s string) string {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		},
		"toJSON": func(v interface{}) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"parseInt":  func(s string) (int64, error) { return strconv.ParseInt(strings.TrimSpace(s), 10, 64) },
		"parseBool": func(s string) (bool, error) { return strconv.ParseBool(strings.TrimSpace(s)) },
		// parseJSON decodes a JSON document (an environment variable's
		// value, say) into maps, lists and scalars a template can index.
		"parseJSON": func(s string) (interface{}, error) {
			var v interface{}
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return nil, fmt.Errorf("parseJSON: %w", err)
			}
			return v, nil
		},
	}
}
