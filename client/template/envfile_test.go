package template

import (
	"errors"
	"testing"
)

func TestParseEnv(t *testing.T) {
	vars, err := parseEnv([]byte("A=1\r\nB.c=two=2\n_X=\n"))
	if err != nil {
		t.Fatal(err)
	}
	if vars["A"] != "1" || vars["B.c"] != "two=2" || vars["_X"] != "" || len(vars) != 3 {
		t.Fatalf("vars %v", vars)
	}
	for _, bad := range []string{"1A=x", "A B=x", "=x", "noequals", `Q="unterminated\"`} {
		if _, err := parseEnv([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("parseEnv(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}
