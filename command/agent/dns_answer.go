package agent

import (
	"encoding/hex"
	"math/rand/v2"
	"net"
	"strings"

	"github.com/miekg/dns"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Names answered, under DNSDomain, matched case-insensitively:
//
//	NAME.service.nomad            instances of NAME in every datacenter of the region
//	TAG.NAME.service.nomad        those carrying TAG
//	NAME.service.DC.nomad         those in datacenter DC
//	TAG.NAME.service.DC.nomad     both
//	HEX.addr.nomad, HEX.addr.DC.nomad  the IP HEX encodes (8 hex digits: IPv4, 32: IPv6)
//	nomad                         the zone's SOA
//
// Services are those of the default namespace. A name that matches no
// registered instance, whatever its health, is NXDOMAIN; one that matches
// only instances that are not passing, or none of the type asked, is
// NOERROR with no answer. Negative answers carry the zone's SOA.

// dnsName is a parsed query name.
type dnsName struct {
	kind       dnsNameKind
	service    string
	tag        string
	datacenter string
	ip         net.IP // kindAddr
}

type dnsNameKind int

const (
	kindNone    dnsNameKind = iota // in the zone but not a name it has
	kindApex                       // nomad.
	kindService                    // [TAG.]NAME.service[.DC].nomad.
	kindAddr                       // HEX.addr[.DC].nomad.
)

// parseDNSName reads a lower-cased, fully qualified name; ok is false for
// a name outside the zone.
func parseDNSName(name string) (n dnsName, ok bool) {
	if name == DNSDomain {
		return dnsName{kind: kindApex}, true
	}
	rest, ok := strings.CutSuffix(name, "."+DNSDomain)
	if !ok {
		return dnsName{}, false
	}
	labels := strings.Split(rest, ".")
	switch {
	case len(labels) >= 2 && labels[len(labels)-1] == "service":
		labels = labels[:len(labels)-1]
	case len(labels) >= 3 && labels[len(labels)-2] == "service":
		n.datacenter = labels[len(labels)-1]
		labels = labels[:len(labels)-2]
	case len(labels) == 2 && labels[1] == "addr", len(labels) == 3 && labels[1] == "addr":
		if len(labels) == 3 {
			n.datacenter = labels[2]
		}
		if n.ip = decodeAddrLabel(labels[0]); n.ip == nil {
			return dnsName{}, true
		}
		n.kind = kindAddr
		return n, true
	default:
		return dnsName{}, true
	}
	switch len(labels) {
	case 1:
		n.service = labels[0]
	case 2:
		n.tag, n.service = labels[0], labels[1]
	default:
		return dnsName{}, true
	}
	// A label no service could have is answered without a lookup.
	if structs.ValidServiceName(n.service) != "" || n.tag == "" && len(labels) == 2 {
		return dnsName{}, true
	}
	n.kind = kindService
	return n, true
}

// decodeAddrLabel reads an IP from its hex encoding; nil if it is not one.
func decodeAddrLabel(label string) net.IP {
	if len(label) != 2*net.IPv4len && len(label) != 2*net.IPv6len {
		return nil
	}
	b, err := hex.DecodeString(label)
	if err != nil {
		return nil
	}
	return net.IP(b)
}

// addrName is the name an SRV answer gives as the target of ip, one that
// this server answers with ip: HEX.addr.DC.nomad.
func addrName(ip net.IP, dc string) string {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	name := hex.EncodeToString(ip) + ".addr."
	if isDNSLabel(dc) {
		name += strings.ToLower(dc) + "."
	}
	return name + DNSDomain
}

// answer builds the reply to req.
func (d *DNSServer) answer(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	if req.Opcode != dns.OpcodeQuery {
		// NOTIFY gets past the library's checks; nothing else is ours.
		return m.SetRcode(req, dns.RcodeNotImplemented)
	}
	if len(req.Question) != 1 {
		return m.SetRcode(req, dns.RcodeFormatError)
	}
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = false
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(dnsUDPSize, false)
	}
	q := req.Question[0]
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY {
		m.Rcode = dns.RcodeRefused
		return m
	}
	n, ok := parseDNSName(strings.ToLower(q.Name))
	if !ok {
		// Not ours, and we neither recurse nor forward.
		m.Authoritative = false
		m.Rcode = dns.RcodeRefused
		return m
	}
	switch n.kind {
	case kindApex:
		if q.Qtype == dns.TypeSOA || q.Qtype == dns.TypeANY {
			m.Answer = append(m.Answer, soaRecord())
		} else {
			m.Ns = append(m.Ns, soaRecord())
		}
	case kindAddr:
		if rr := addrRecord(q.Name, n.ip, q.Qtype); rr != nil {
			m.Answer = append(m.Answer, rr)
		} else {
			m.Ns = append(m.Ns, soaRecord())
		}
	case kindService:
		d.answerService(m, q, n)
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, soaRecord())
	}
	return m
}

// dnsUDPSize is the EDNS0 payload size the server advertises.
const dnsUDPSize = 4096

// answerService fills m with the instances n names.
func (d *DNSServer) answerService(m *dns.Msg, q dns.Question, n dnsName) {
	regs, err := d.lookupService(n.service)
	if err != nil {
		d.logger.Warn("dns service lookup failed", "question", q.Name, "error", err)
		m.Rcode = dns.RcodeServerFailure
		return
	}
	matching := regs[:0:0]
	for _, r := range regs {
		if n.datacenter != "" && !strings.EqualFold(r.Datacenter, n.datacenter) {
			continue
		}
		if n.tag != "" && !hasTagFold(r.Tags, n.tag) {
			continue
		}
		matching = append(matching, r)
	}
	if len(matching) == 0 {
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, soaRecord())
		return
	}
	healthy := structs.FilterServiceRegistrations(matching, "", false)
	// Spread clients over the instances, as Consul does.
	rand.Shuffle(len(healthy), func(i, j int) { healthy[i], healthy[j] = healthy[j], healthy[i] })
	ttl := uint32(DNSTTL.Seconds())
	seen := map[string]bool{}
	switch q.Qtype {
	case dns.TypeA, dns.TypeAAAA, dns.TypeANY:
		for _, r := range healthy {
			ip := net.ParseIP(r.Address)
			if ip == nil || seen[ip.String()] {
				continue
			}
			if rr := addrRecord(q.Name, ip, q.Qtype); rr != nil {
				seen[ip.String()] = true
				m.Answer = append(m.Answer, rr)
			}
		}
	case dns.TypeSRV:
		for _, r := range healthy {
			if r.Port <= 0 || r.Address == "" {
				continue
			}
			var target string
			ip := net.ParseIP(r.Address)
			switch {
			case ip != nil:
				target = addrName(ip, r.Datacenter)
			case isHostname(r.Address):
				// A hostname: the resolver looks it up itself.
				target = dns.Fqdn(r.Address)
			default:
				continue
			}
			m.Answer = append(m.Answer, &dns.SRV{
				Hdr:      dns.RR_Header{Name: q.Name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: ttl},
				Priority: 1, Weight: 1, Port: uint16(r.Port), Target: target,
			})
			if ip != nil && !seen[target] {
				seen[target] = true
				m.Extra = append(m.Extra, addrRecord(target, ip, dns.TypeANY))
			}
		}
	}
	if len(m.Answer) == 0 {
		m.Ns = append(m.Ns, soaRecord())
	}
}

// lookupService reads the instances of a service of the default
// namespace, any health. DNS names are case-insensitive and service names
// are not: the lower-cased name is looked up first, and only if it has no
// instance are the services listed for names equal to it in another case.
func (d *DNSServer) lookupService(name string) ([]*structs.ServiceRegistration, error) {
	regs, err := d.getService(name)
	if err != nil || len(regs) > 0 {
		return regs, err
	}
	args := structs.ServiceRegistrationListRequest{QueryOptions: d.queryOptions()}
	var list structs.ServiceRegistrationListResponse
	if err := d.rpc("ServiceRegistration.List", &args, &list); err != nil {
		return nil, err
	}
	for _, ns := range list.Services {
		for _, s := range ns.Services {
			if s.ServiceName == name || !strings.EqualFold(s.ServiceName, name) {
				continue
			}
			more, err := d.getService(s.ServiceName)
			if err != nil {
				return nil, err
			}
			regs = append(regs, more...)
		}
	}
	return regs, nil
}

func (d *DNSServer) getService(name string) ([]*structs.ServiceRegistration, error) {
	args := structs.ServiceRegistrationByNameRequest{ServiceName: name, QueryOptions: d.queryOptions()}
	var out structs.ServiceRegistrationByNameResponse
	if err := d.rpc("ServiceRegistration.GetService", &args, &out); err != nil {
		return nil, err
	}
	return out.Services, nil
}

// queryOptions reads the default namespace of the agent's region from
// any server: DNS answers may be as stale as a follower's state.
func (d *DNSServer) queryOptions() structs.QueryOptions {
	return structs.QueryOptions{Region: d.region, Namespace: structs.DefaultNamespace, AllowStale: true}
}

// isDNSLabel reports whether s is one label of letters, digits and
// dashes.
func isDNSLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isHostname reports whether s is a name of such labels, joined by dots.
func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !isDNSLabel(l) {
			return false
		}
	}
	return true
}

func hasTagFold(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// addrRecord is the A (IPv4) or AAAA (IPv6) record of ip named name, or
// nil when qtype asks for the other family. TypeANY takes either.
func addrRecord(name string, ip net.IP, qtype uint16) dns.RR {
	ttl := uint32(DNSTTL.Seconds())
	if v4 := ip.To4(); v4 != nil {
		if qtype != dns.TypeA && qtype != dns.TypeANY {
			return nil
		}
		return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl}, A: v4}
	}
	if qtype != dns.TypeAAAA && qtype != dns.TypeANY {
		return nil
	}
	return &dns.AAAA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: ttl}, AAAA: ip.To16()}
}

// soaRecord is the zone's SOA; its minimum, the TTL of negative answers,
// is DNSTTL like everything else.
func soaRecord() dns.RR {
	ttl := uint32(DNSTTL.Seconds())
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: DNSDomain, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:  "ns." + DNSDomain, Mbox: "hostmaster." + DNSDomain,
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: ttl,
	}
}
