package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestServiceWireFormat(t *testing.T) {
	in := `{"Name":"web","PortLabel":"http","Provider":"nomad","Tags":["a"],
		"Checks":[{"Name":"alive","Type":"http","Path":"/health","Interval":10000000000,"Timeout":2000000000,
		"Header":{"X-A":["1"]}}]}`
	var s Service
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	c := s.Checks[0]
	if s.PortLabel != "http" || c.Interval != 10*time.Second || c.Timeout != 2*time.Second || c.Header["X-A"][0] != "1" {
		t.Fatalf("service = %+v", s)
	}
}
