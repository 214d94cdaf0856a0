package history

import "testing"

func TestParseCASConflict(t *testing.T) {
	cases := []struct {
		msg     string
		current uint64
		ok      bool
	}{
		{`Unexpected response code: 409 (conflict: enforcing job modify index 5: job "chaos-1" exists with job modify index 7)`, 7, true},
		{`Unexpected response code: 409 (conflict: enforcing job modify index 5: job "chaos-1" does not exist; use 0 to register a new job)`, 0, true},
		{`Unexpected response code: 500 (no cluster leader)`, 0, false},
		{`enforcing job modify index 5: job "x" exists with job modify index 99999999999999999999999`, 0, false},
	}
	for _, tc := range cases {
		current, ok := ParseCASConflict(tc.msg)
		if current != tc.current || ok != tc.ok {
			t.Errorf("ParseCASConflict(%q) = %d, %v; want %d, %v", tc.msg, current, ok, tc.current, tc.ok)
		}
	}
}
