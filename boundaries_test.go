package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/nomadish/nomadish"

// boundaryRules lists, for a package path prefix inside the module, which
// of the module's packages it may import (by prefix). DESIGN.md's package
// map is the source of these rules.
var boundaryRules = []struct {
	pkg     string
	allowed []string
}{
	{"api", []string{"api"}},
	{"nomadish/structs", []string{"nomadish/structs"}},
	{"nomadish/state", []string{"nomadish/state", "nomadish/structs"}},
	{"scheduler", []string{"scheduler", "nomadish/structs"}},
	{"jobspec", []string{"jobspec", "api"}},
	{"drivers", []string{"drivers", "nomadish/structs"}},
}

// TestPackageBoundaries fails when a package imports one of ours that the
// package map does not allow: the scheduler must stay pure, the API client
// dependency-light, the domain types free of the server.
func TestPackageBoundaries(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, rule := range boundaryRules {
			if rel != rule.pkg && !strings.HasPrefix(rel, rule.pkg+"/") {
				continue
			}
			for _, imp := range p.Imports {
				if !strings.HasPrefix(imp, module+"/") {
					continue
				}
				dep := strings.TrimPrefix(imp, module+"/")
				ok := false
				for _, a := range rule.allowed {
					ok = ok || dep == a || strings.HasPrefix(dep, a+"/")
				}
				if !ok {
					t.Errorf("%s imports %s, which the package map does not allow (allowed: %v)", rel, dep, rule.allowed)
				}
			}
		}
		if rel == "api" || strings.HasPrefix(rel, "api/") {
			for _, imp := range p.Imports {
				if strings.Contains(imp, ".") && !strings.HasPrefix(imp, module) {
					t.Errorf("%s imports %s: the api package must stay standard-library only", rel, imp)
				}
			}
		}
	}
}
