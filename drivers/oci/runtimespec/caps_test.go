package runtimespec

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDefaultCapsHaveNoNetRawOrSysAdmin(t *testing.T) {
	for _, c := range []string{"CAP_NET_RAW", "CAP_SYS_ADMIN"} {
		if slices.Contains(DefaultCaps, c) {
			t.Errorf("DefaultCaps holds %s", c)
		}
	}
	for _, c := range DefaultCaps {
		if !knownCaps[c] {
			t.Errorf("DefaultCaps holds unknown %s", c)
		}
	}
}

func TestCapabilities(t *testing.T) {
	without := func(drop ...string) []string {
		var out []string
		for _, c := range DefaultCaps {
			if !slices.Contains(drop, c) {
				out = append(out, c)
			}
		}
		return out
	}
	cases := []struct {
		name            string
		add, drop, allw []string
		want            []string
	}{
		{"default", nil, nil, nil, DefaultCaps},
		{"drop one, any spelling", nil, []string{"chown", "CAP_KILL"}, nil, without("CAP_CHOWN", "CAP_KILL")},
		{"drop ALL", nil, []string{"all"}, nil, []string{}},
		{"drop ALL then add", []string{"NET_BIND_SERVICE"}, []string{"ALL"}, nil, []string{"CAP_NET_BIND_SERVICE"}},
		{"add allowed", []string{"net_raw"}, nil, []string{"NET_RAW"}, append(without(), "CAP_NET_RAW")},
		{"add default cap with default allow", []string{"CHOWN"}, nil, nil, DefaultCaps},
		{"add with ALL allowed", []string{"SYS_ADMIN"}, nil, []string{"ALL"}, append(without(), "CAP_SYS_ADMIN")},
		{"add ALL with ALL allowed", []string{"ALL"}, nil, []string{"ALL"}, allCaps},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Capabilities(c.add, c.drop, c.allw)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(c.want))
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("caps = %v, want %v", got, want)
			}
		})
	}
}

func TestCapabilitiesRefused(t *testing.T) {
	cases := []struct {
		name            string
		add, drop, allw []string
		want            []string
	}{
		{"outside default allow", []string{"NET_RAW"}, nil, nil, []string{"NET_RAW is not allowed", "allowed: AUDIT_WRITE, CHOWN"}},
		{"outside explicit allow", []string{"SYS_ADMIN"}, nil, []string{"NET_RAW", "SYS_TIME"}, []string{"SYS_ADMIN is not allowed", "allowed: NET_RAW, SYS_TIME"}},
		{"ALL not allowed", []string{"ALL"}, nil, []string{"NET_RAW"}, []string{"ALL is not allowed"}},
		{"unknown add", []string{"FLY"}, nil, []string{"ALL"}, []string{`cap_add: unknown capability "FLY"`}},
		{"unknown drop", nil, []string{"FLY"}, nil, []string{`cap_drop: unknown capability "FLY"`}},
		{"unknown allow", nil, nil, []string{"FLY"}, []string{`allow_caps: unknown capability "FLY"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Capabilities(c.add, c.drop, c.allw)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("err = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}
