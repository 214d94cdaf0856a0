package fingerprint

import "testing"

func TestNomad(t *testing.T) {
	resp, err := run(t, &Nomad{}, &Request{Version: "0.1.0", Revision: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"nomad.version": "0.1.0", "nomad.revision": "abc123"})

	resp, err = run(t, &Nomad{}, &Request{})
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs(t, resp, map[string]string{"nomad.version": "dev"})
}
