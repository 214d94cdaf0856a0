package structs

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Discovery's answers are filtered the same way wherever they are given
// (the HTTP API, and the DNS server and the balancer that build on it), so
// the filters live here, beside the type, with no I/O.

// FilterServiceRegistrations keeps the instances carrying tag (any when
// tag is ""), and unless all is set only those whose health is passing.
// An instance with no recorded health (written before health existed)
// counts as passing. regs is not changed.
func FilterServiceRegistrations(regs []*ServiceRegistration, tag string, all bool) []*ServiceRegistration {
	out := make([]*ServiceRegistration, 0, len(regs))
	for _, r := range regs {
		if !all && r.Health != "" && r.Health != ServiceHealthPassing {
			continue
		}
		if tag != "" && !hasTag(r.Tags, tag) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// ParseServiceChoose reads the choose parameter, "N|KEY": N instances
// chosen for KEY. What is wrong is said in the user's terms.
func ParseServiceChoose(s string) (int, string, error) {
	n, key, ok := strings.Cut(s, "|")
	if !ok || key == "" {
		return 0, "", fmt.Errorf("choose %q: want NUMBER|KEY, such as 2|client-7", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count <= 0 {
		return 0, "", fmt.Errorf("choose %q: %q is not a positive number of instances", s, n)
	}
	return count, key, nil
}

// ChooseServiceRegistrations picks n instances for key by rendezvous
// (highest random weight) hashing: each instance scores the hash of key
// and its ID, and the n highest scores win. The same key gets the same
// instances for as long as they are registered, and an instance that
// leaves moves only the keys that had it, which is what a client
// spreading load over a subset wants. The result is ordered by score.
func ChooseServiceRegistrations(regs []*ServiceRegistration, n int, key string) []*ServiceRegistration {
	type scored struct {
		r     *ServiceRegistration
		score uint64
	}
	all := make([]scored, 0, len(regs))
	for _, r := range regs {
		sum := sha256.Sum256([]byte(key + "\x00" + r.ID))
		all = append(all, scored{r, binary.BigEndian.Uint64(sum[:8])})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].r.ID < all[j].r.ID
	})
	if n > len(all) {
		n = len(all)
	}
	out := make([]*ServiceRegistration, 0, n)
	for _, s := range all[:n] {
		out = append(out, s.r)
	}
	return out
}
