package scheduler

import (
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func testContext() *evalContext {
	return newEvalContext(nil, &structs.Plan{}, &structs.Evaluation{ID: "e"}, hclog.NewNullLogger(), structs.DefaultSchedulerConfiguration())
}

func TestConstraintOperators(t *testing.T) {
	n := mockNode(7)
	n.NodeClass = "large"
	n.Attributes["os.version"] = "22.04"
	n.Attributes["kernel.version"] = "5.15.0"
	n.Attributes["docker.version"] = "24.0.0-beta.1"
	n.Attributes["cpu.numcores"] = "16"
	n.Meta["tags"] = "ssd, gpu,fast"
	ctx := testContext()
	for _, tc := range []struct {
		l, op, r string
		want     bool
	}{
		{"${attr.kernel.name}", "", "linux", true},
		{"${attr.kernel.name}", "=", "linux", true},
		{"${attr.kernel.name}", "==", "windows", false},
		{"${attr.kernel.name}", "is", "linux", true},
		{"${attr.kernel.name}", "!=", "windows", true},
		{"${attr.kernel.name}", "not", "linux", false},
		{"${attr.missing}", "!=", "x", true},
		{"${attr.missing}", "=", "x", false},
		{"${attr.cpu.numcores}", ">", "8", true},   // numeric: 16 > 8
		{"${attr.cpu.numcores}", "<", "8", false},  // lexically "16" < "8"
		{"${attr.cpu.numcores}", ">=", "16", true}, //
		{"${attr.cpu.numcores}", "<=", "15.5", false},
		{"${attr.kernel.name}", "<", "windows", true}, // lexical
		{"${attr.kernel.version}", "regexp", "^5\\.1[0-9]", true},
		{"${attr.kernel.version}", "regexp", "^4\\.", false},
		{"${attr.kernel.version}", "regexp", "([", false}, // bad expression never matches
		{"${attr.kernel.version}", "version", ">= 5.10, < 6", true},
		{"${attr.kernel.version}", "version", "~> 5.14", true},
		{"${attr.kernel.version}", "version", "~> 5.14.1", false},
		{"${attr.kernel.version}", "version", "< 5.4", false},
		{"${attr.docker.version}", "version", ">= 23.0", false}, // pre-release needs a pre-release clause
		{"${attr.docker.version}", "semver", ">= 23.0", true},
		{"${attr.docker.version}", "semver", ">= 24.0.0", false}, // 24.0.0-beta.1 < 24.0.0
		{"${attr.docker.version}", "semver", ">= 24.0.0-alpha", true},
		{"${attr.os.version}", "semver", "= 22.4", true},
		{"${meta.tags}", "set_contains", "gpu,ssd", true},
		{"${meta.tags}", "set_contains_all", "gpu,nvme", false},
		{"${meta.tags}", "set_contains_any", "nvme,fast", true},
		{"${meta.tags}", "set_contains_any", "nvme", false},
		{"${meta.tags}", "is_set", "", true},
		{"${meta.nope}", "is_set", "", false},
		{"${meta.nope}", "is_not_set", "", true},
		{"${node.datacenter}", "=", "dc1", true},
		{"${node.unique.id}", "=", nodeID(7), true},
		{"${node.unique.name}", "=", "node-7", true},
		{"${node.class}", "=", "large", true},
		{"${node.pool}", "=", "default", true},
		{"${attr.unique.hostname}", "=", "host-7", true},
		{"${meta.rack}", "=", "${meta.rack}", true},
	} {
		c := &structs.Constraint{LTarget: tc.l, Operand: tc.op, RTarget: tc.r}
		if got := ctx.meetsConstraint(c, n); got != tc.want {
			t.Errorf("%s: got %v, want %v", constraintString(c), got, tc.want)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.2.3", "1.2.3", 0},
		{"1.2", "1.2.0", 0},
		{"v1.10.0", "1.9.9", 1},
		{"1.0.0-alpha", "1.0.0", -1},
		{"1.0.0-alpha.2", "1.0.0-alpha.10", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-1", "1.0.0-alpha", -1},
		{"1.0.0+build5", "1.0.0", 0},
		{"1.2.3.4", "1.2.3", 1},
	} {
		a, err := parseVersion(tc.a, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseVersion(tc.b, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.compare(b); got != tc.want {
			t.Errorf("%s vs %s: %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, bad := range []string{"", "x.y", "1..2", "1.2.3-"} {
		if _, err := parseVersion(bad, false); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := parseVersion("1.2.3.4", true); err == nil {
		t.Error("semver accepted four segments")
	}
	if _, err := parseVersionConstraint(">= 1.0, ", false); err == nil {
		t.Error("empty clause accepted")
	}
}

func TestComputedClass(t *testing.T) {
	a, b := mockNode(1), mockNode(2)
	if a.ComputedClass != b.ComputedClass {
		t.Fatal("nodes differing only in unique attributes got different classes")
	}
	b.Meta["rack"] = "r9"
	if b.HashClass() == a.ComputedClass {
		t.Fatal("meta change kept the class")
	}
	c := mockNode(3)
	c.Drivers["exec"].Healthy = false
	if c.HashClass() == a.ComputedClass {
		t.Fatal("driver health change kept the class")
	}
	if !structs.ConstraintEscapesClass(&structs.Constraint{LTarget: "${node.unique.name}", RTarget: "x"}) ||
		structs.ConstraintEscapesClass(&structs.Constraint{LTarget: "${attr.kernel.name}", RTarget: "x"}) {
		t.Fatal("escape detection")
	}
}

func TestDriverChecker(t *testing.T) {
	n := mockNode(1)
	n.Drivers["docker"] = &structs.DriverInfo{Detected: true, Healthy: false}
	n.Attributes["driver.raw_exec"] = "1"
	for _, tc := range []struct {
		driver string
		want   bool
	}{{"exec", true}, {"docker", false}, {"raw_exec", true}, {"qemu", false}} {
		ok, _ := (&driverChecker{drivers: []string{tc.driver}}).feasible(n)
		if ok != tc.want {
			t.Errorf("%s: %v", tc.driver, ok)
		}
	}
}

func TestDatacenterGlob(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		dc       string
		want     bool
	}{
		{[]string{"*"}, "dc1", true},
		{[]string{"us-*"}, "us-east", true},
		{[]string{"us-*"}, "eu-west", false},
		{[]string{"dc1", "dc2"}, "dc2", true},
		{nil, "any", true},
	} {
		if got := datacenterMatches(tc.patterns, tc.dc); got != tc.want {
			t.Errorf("%v %s: %v", tc.patterns, tc.dc, got)
		}
	}
}

func TestService_ConstraintOperatorsFilterNodes(t *testing.T) {
	// Each operator as a job constraint: the metric names it and counts
	// the nodes it removed.
	for _, c := range []*structs.Constraint{
		{LTarget: "${attr.kernel.name}", Operand: "=", RTarget: "windows"},
		{LTarget: "${attr.cpu.arch}", Operand: "!=", RTarget: "amd64"},
		{LTarget: "${attr.nomad.version}", Operand: "version", RTarget: ">= 2.0"},
		{LTarget: "${attr.nomad.version}", Operand: "semver", RTarget: "< 1.0"},
		{LTarget: "${attr.kernel.name}", Operand: "regexp", RTarget: "^win"},
		{LTarget: "${meta.rack}", Operand: "set_contains", RTarget: "r2"},
		{LTarget: "${meta.gpu}", Operand: "is_set"},
		{LTarget: "${meta.rack}", Operand: "is_not_set"},
		{LTarget: "${node.unique.name}", Operand: "=", RTarget: "nowhere"},
	} {
		t.Run(constraintString(c), func(t *testing.T) {
			h := newHarness(t)
			h.addNodes(0, 4, nil)
			j := mockJob("op")
			j.TaskGroups[0].Count = 1
			j.TaskGroups[0].Constraints = []*structs.Constraint{c}
			job := h.upsertJob(j)
			h.process(newEval(job, structs.EvalTriggerJobRegister))
			m := h.lastEval().FailedTGAllocs["web"]
			if m == nil || m.ConstraintFiltered[constraintString(c)] != 4 {
				t.Fatalf("metric %+v", m)
			}
			if structs.ConstraintEscapesClass(c) != h.created[0].EscapedComputedClass {
				t.Fatal("escaped class flag")
			}
		})
	}
}
