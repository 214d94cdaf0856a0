package agent

import (
	"bytes"
	"testing"
)

func TestGatedWriter(t *testing.T) {
	var out bytes.Buffer
	g := newGatedWriter(&out)
	g.Write([]byte("one\n"))
	g.Write([]byte("two\n"))
	if out.Len() != 0 {
		t.Fatalf("wrote before Flush: %q", out.String())
	}
	g.Flush()
	g.Write([]byte("three\n"))
	if out.String() != "one\ntwo\nthree\n" {
		t.Fatalf("out = %q", out.String())
	}
}
