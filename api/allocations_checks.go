package api

import (
	"net/url"
	"sort"
)

// Check statuses and modes, as /v1/client/allocation/:id/checks reports
// them.
const (
	CheckSuccess         = "success"
	CheckFailure         = "failure"
	CheckPending         = "pending"
	CheckModeHealthiness = "healthiness"
	CheckModeReadiness   = "readiness"
)

// AllocCheckStatus is one check's latest result, as the client running
// the allocation took it.
type AllocCheckStatus struct {
	ID         string
	Check      string
	Group      string
	Mode       string
	Output     string
	Service    string
	Task       string `json:",omitempty"`
	Status     string
	StatusCode int `json:",omitempty"`
	// Timestamp is unix seconds.
	Timestamp int64
}

// AllocCheckStatuses are an allocation's check results by check ID.
type AllocCheckStatuses map[string]AllocCheckStatus

// Checks reads the latest results of the allocation's health checks from
// the client running it (the agent proxies to that node when it is not
// the one).
func (a *Allocations) Checks(allocID string, q *QueryOptions) (AllocCheckStatuses, error) {
	var resp AllocCheckStatuses
	if _, err := a.client.query("/v1/client/allocation/"+url.PathEscape(allocID)+"/checks", &resp, q); err != nil {
		return nil, err
	}
	return resp, nil
}

// Sorted lists the results by service, task and check name, for display.
func (s AllocCheckStatuses) Sorted() []AllocCheckStatus {
	out := make([]AllocCheckStatus, 0, len(s))
	for _, c := range s {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Task != b.Task {
			return a.Task < b.Task
		}
		return a.Check < b.Check
	})
	return out
}
