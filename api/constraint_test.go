package api

import (
	"encoding/json"
	"testing"
)

func TestConstraintAffinitySpreadWireFormat(t *testing.T) {
	c := NewConstraint("${attr.kernel.name}", "=", "linux")
	b, _ := json.Marshal(c)
	if string(b) != `{"LTarget":"${attr.kernel.name}","RTarget":"linux","Operand":"="}` {
		t.Fatalf("constraint = %s", b)
	}

	var a Affinity
	if err := json.Unmarshal([]byte(`{"LTarget":"${node.datacenter}","RTarget":"dc1","Operand":"=","Weight":-50}`), &a); err != nil || a.Weight != -50 {
		t.Fatalf("affinity = %+v, %v", a, err)
	}

	var s Spread
	in := `{"Attribute":"${node.datacenter}","Weight":100,"SpreadTarget":[{"Value":"dc1","Percent":70},{"Value":"dc2","Percent":30}]}`
	if err := json.Unmarshal([]byte(in), &s); err != nil || s.SpreadTarget[1].Percent != 30 {
		t.Fatalf("spread = %+v, %v", s, err)
	}
}
