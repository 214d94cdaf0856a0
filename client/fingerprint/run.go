package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/nomadish/panics"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Named is a fingerprinter with the name its errors are reported under.
type Named struct {
	Name string
	Fingerprinter
}

// Builtin returns the node fingerprinters in the order Run calls them.
func Builtin() []Named {
	return []Named{
		{"cpu", &CPU{}},
		{"memory", &Memory{}},
		{"storage", &Storage{}},
		{"host", &Host{}},
		{"network", &Network{}},
		{"cgroup", &Cgroup{}},
		{"nomad", &Nomad{}},
	}
}

// Config is what Run needs.
type Config struct {
	// Request is handed to every fingerprinter.
	Request Request
	// Fingerprinters to run; nil means Builtin().
	Fingerprinters []Named
	// Logger is optional.
	Logger hclog.Logger
}

// Result is the merged answer of all fingerprinters.
type Result struct {
	Attributes    map[string]string
	Links         map[string]string
	NodeResources *structs.NodeResources
	// Detected lists, by fingerprinter name, whether its facet was found.
	Detected map[string]bool
}

// Apply copies the result onto a node: attributes and links are merged
// over what the node has, resources replace the node's.
func (r *Result) Apply(n *structs.Node) {
	if n.Attributes == nil {
		n.Attributes = make(map[string]string, len(r.Attributes))
	}
	maps.Copy(n.Attributes, r.Attributes)
	if len(r.Links) > 0 {
		if n.Links == nil {
			n.Links = make(map[string]string, len(r.Links))
		}
		maps.Copy(n.Links, r.Links)
	}
	res := *r.NodeResources
	n.NodeResources = &res
}

// Run calls every fingerprinter and merges what they found. A fingerprinter
// that fails (or panics) does not stop the others: what it wrote before
// failing is kept, and its error, prefixed with its name, is returned joined
// with the others next to the merged result;
// callers should treat a non-nil result with an error as usable. A cancelled
// ctx stops before the next fingerprinter.
func Run(ctx context.Context, cfg *Config) (*Result, error) {
	fps := cfg.Fingerprinters
	if fps == nil {
		fps = Builtin()
	}
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	out := &Result{
		Attributes:    make(map[string]string),
		Links:         make(map[string]string),
		NodeResources: &structs.NodeResources{},
		Detected:      make(map[string]bool, len(fps)),
	}
	var errs []error
	for _, f := range fps {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("fingerprint: %w", err))
			break
		}
		req := cfg.Request
		var resp Response
		if err := safeFingerprint(logger, f, &req, &resp); err != nil {
			logger.Warn("fingerprinter failed", "fingerprinter", f.Name, "error", err)
			errs = append(errs, fmt.Errorf("fingerprint %s: %w", f.Name, err))
			// What it found before failing still stands: fingerprinters
			// only write values they have read.
		}
		out.Detected[f.Name] = resp.Detected
		maps.Copy(out.Attributes, resp.Attributes)
		maps.Copy(out.Links, resp.Links)
		nr := out.NodeResources
		if resp.Cpu != nil {
			nr.Cpu = *resp.Cpu
		}
		if resp.Memory != nil {
			nr.Memory = *resp.Memory
		}
		if resp.Disk != nil {
			nr.Disk = *resp.Disk
		}
		if resp.Networks != nil {
			nr.Networks = resp.Networks
		}
	}
	return out, errors.Join(errs...)
}

// safeFingerprint turns a fingerprinter's panic into an error so one bad
// parser cannot take the agent down.
func safeFingerprint(logger hclog.Logger, f Named, req *Request, resp *Response) (err error) {
	defer func() {
		if r := recover(); r != nil {
			panics.Recovered(logger, "fingerprint", f.Name, r)
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f.Fingerprint(req, resp)
}
