package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// pickPlatform chooses the manifest of an index that runs on want: same OS
// and architecture, and the same variant when both name one (arm64's
// variant defaults to v8). An exact variant wins over a missing one.
func pickPlatform(ref string, want *v1.Platform, idx *v1.IndexManifest) (v1.Descriptor, error) {
	variant := func(p *v1.Platform) string {
		if p.Variant == "" && p.Architecture == "arm64" {
			return "v8"
		}
		return p.Variant
	}
	var best *v1.Descriptor
	exact := false
	var seen []string
	for i := range idx.Manifests {
		d := &idx.Manifests[i]
		p := d.Platform
		if p == nil {
			if len(idx.Manifests) == 1 {
				return *d, nil
			}
			continue
		}
		if p.OS == "unknown" {
			continue // attestations and other non-images
		}
		seen = append(seen, platformString(p))
		if p.OS != want.OS || p.Architecture != want.Architecture {
			continue
		}
		wv, pv := variant(want), variant(p)
		switch {
		case wv == pv:
			if !exact {
				best, exact = d, true
			}
		case wv == "" || pv == "":
			if best == nil {
				best = d
			}
		}
	}
	if best == nil {
		return v1.Descriptor{}, fmt.Errorf("%w: %s is a multi-arch index without %s; it has %s",
			ErrNoPlatform, ref, platformString(want), orNone(seen))
	}
	return *best, nil
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no platforms"
	}
	return strings.Join(s, ", ")
}
