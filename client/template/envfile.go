package template

import (
	"fmt"
	"strconv"
	"strings"
)

// parseEnv reads rendered output as environment variables, one KEY=VALUE
// per line. Blank lines and lines starting with # are skipped, an
// "export " prefix is allowed, and a value in double quotes is unquoted
// with Go's rules (\n, \", …), one in single quotes is taken literally.
func parseEnv(out []byte) (map[string]string, error) {
	vars := make(map[string]string)
	for i, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !validKey(k) {
			return nil, fmt.Errorf("%w: env line %d: want KEY=VALUE with KEY of letters, digits, _ and . not starting with a digit; got %q", ErrInvalid, i+1, line)
		}
		v = strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			u, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("%w: env line %d: bad quoted value %s", ErrInvalid, i+1, v)
			}
			v = u
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		}
		vars[k] = v
	}
	return vars, nil
}

func validKey(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}
