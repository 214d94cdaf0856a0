package fingerprint

import (
	"runtime/debug"
)

// Nomad fingerprints the agent itself: nomad.version and nomad.revision
// from Request.Version and Request.Revision. When the agent was built
// without a revision stamp, the revision comes from the Go build info's VCS
// stamp if there is one, and is otherwise left out.
type Nomad struct{}

// Fingerprint implements Fingerprinter.
func (*Nomad) Fingerprint(req *Request, resp *Response) error {
	version := req.Version
	if version == "" {
		version = "dev"
	}
	resp.AddAttribute("nomad.version", version)
	revision := req.Revision
	if revision == "" {
		revision = buildRevision()
	}
	if revision != "" {
		resp.AddAttribute("nomad.revision", revision)
	}
	resp.Detected = true
	return nil
}

func buildRevision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}
