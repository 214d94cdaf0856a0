package template

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// ServiceSource is where nomadService and nomadServices read Nomad's
// native service discovery: the client's way to the servers. A task
// without one fails any template that calls them, with the reason.
type ServiceSource interface {
	// ServiceNames lists each namespace's services and their tags.
	ServiceNames() ([]*structs.ServiceRegistrationListStub, error)
	// ServiceInstances returns every instance of a service, whatever
	// its health.
	ServiceInstances(name string) ([]*structs.ServiceRegistration, error)
}

// NomadService is one instance as nomadService gives it to a template,
// with the field names consul-template's Nomad functions use.
type NomadService struct {
	ID         string
	Name       string
	Namespace  string
	NodeID     string
	Datacenter string
	JobID      string
	AllocID    string
	Tags       []string
	Address    string
	Port       int
}

// NomadServicesEntry is one service as nomadServices lists it.
type NomadServicesEntry struct {
	Name      string
	Namespace string
	Tags      []string
}

// serviceFuncs are nomadService and nomadServices over src. used is set
// when a template calls either, so that the caller knows to render it
// again when discovery changes.
func serviceFuncs(src ServiceSource, used *bool) map[string]interface{} {
	missing := func(fn string) error {
		return fmt.Errorf("%s: this task has no access to service discovery", fn)
	}
	return map[string]interface{}{
		// nomadServices lists the services with at least one instance,
		// by name.
		"nomadServices": func() ([]NomadServicesEntry, error) {
			*used = true
			if src == nil {
				return nil, missing("nomadServices")
			}
			list, err := src.ServiceNames()
			if err != nil {
				return nil, fmt.Errorf("nomadServices: %w", err)
			}
			var out []NomadServicesEntry
			for _, ns := range list {
				for _, s := range ns.Services {
					out = append(out, NomadServicesEntry{Name: s.ServiceName, Namespace: ns.Namespace, Tags: sortedUnique(s.Tags)})
				}
			}
			sort.Slice(out, func(i, j int) bool {
				if out[i].Name != out[j].Name {
					return out[i].Name < out[j].Name
				}
				return out[i].Namespace < out[j].Namespace
			})
			return out, nil
		},
		// nomadService "[tag.]name" lists the passing instances of a
		// service (carrying tag, if given); nomadService N "key"
		// "[tag.]name" picks N of them for key by rendezvous hashing, as
		// ?choose=N|key does.
		"nomadService": func(args ...interface{}) ([]NomadService, error) {
			*used = true
			if src == nil {
				return nil, missing("nomadService")
			}
			count, key, query, err := serviceArgs(args)
			if err != nil {
				return nil, err
			}
			tag, name, err := parseServiceQuery(query)
			if err != nil {
				return nil, err
			}
			regs, err := src.ServiceInstances(name)
			if err != nil {
				return nil, fmt.Errorf("nomadService %q: %w", query, err)
			}
			regs = structs.FilterServiceRegistrations(regs, tag, false)
			if count > 0 {
				regs = structs.ChooseServiceRegistrations(regs, count, key)
			}
			out := make([]NomadService, 0, len(regs))
			for _, r := range regs {
				out = append(out, NomadService{ID: r.ID, Name: r.ServiceName, Namespace: r.Namespace, NodeID: r.NodeID,
					Datacenter: r.Datacenter, JobID: r.JobID, AllocID: r.AllocID, Tags: append([]string(nil), r.Tags...),
					Address: r.Address, Port: r.Port})
			}
			// A stable order, so that the same instances render the same
			// file and change_mode acts only on a real change.
			sort.Slice(out, func(i, j int) bool {
				if out[i].Address != out[j].Address {
					return out[i].Address < out[j].Address
				}
				if out[i].Port != out[j].Port {
					return out[i].Port < out[j].Port
				}
				return out[i].ID < out[j].ID
			})
			return out, nil
		},
	}
}

// serviceArgs reads nomadService's arguments: a query alone, or a count,
// a key and a query.
func serviceArgs(args []interface{}) (count int, key, query string, err error) {
	usage := `want nomadService "[tag.]name" or nomadService <count> "<key>" "[tag.]name"`
	switch len(args) {
	case 1:
		q, ok := args[0].(string)
		if !ok {
			return 0, "", "", fmt.Errorf("nomadService: the service name must be a string; %s", usage)
		}
		return 0, "", q, nil
	case 3:
		n, ok := args[0].(int)
		k, ok2 := args[1].(string)
		q, ok3 := args[2].(string)
		if !ok || !ok2 || !ok3 || n <= 0 || k == "" {
			return 0, "", "", fmt.Errorf("nomadService: %s, with a positive count and a non-empty key", usage)
		}
		return n, k, q, nil
	}
	return 0, "", "", fmt.Errorf("nomadService: %d arguments; %s", len(args), usage)
}

// parseServiceQuery splits "[tag.]name". Service names hold no dots (they
// are DNS labels), so the last dot separates the tag. A region suffix
// ("@eu") is refused: templates read the local region's discovery.
func parseServiceQuery(q string) (tag, name string, err error) {
	if strings.Contains(q, "@") {
		return "", "", fmt.Errorf("nomadService %q: a region (@...) is not supported; templates read the local region's services", q)
	}
	if i := strings.LastIndex(q, "."); i >= 0 {
		tag, name = q[:i], q[i+1:]
	} else {
		name = q
	}
	if name == "" || (strings.Contains(q, ".") && tag == "") {
		return "", "", fmt.Errorf("nomadService %q: want a service name, optionally after a tag and a dot (\"v2.web\")", q)
	}
	return tag, name, nil
}

// sortedUnique is tags sorted, without repeats: the same services render
// the same file whatever order their instances were listed in.
func sortedUnique(tags []string) []string {
	out := append([]string(nil), tags...)
	sort.Strings(out)
	uniq := out[:0]
	for i, t := range out {
		if i == 0 || t != out[i-1] {
			uniq = append(uniq, t)
		}
	}
	return uniq
}
