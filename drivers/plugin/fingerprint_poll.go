package plugin

import (
	"context"
	"maps"
	"time"
)

// PollFingerprint is a Fingerprint stream for a driver whose health is
// found by looking at the host: it sends check's answer at once, then asks
// again every interval and sends the answer only when it changed, until
// ctx is done, when the channel is closed.
func PollFingerprint(ctx context.Context, interval time.Duration, check func(context.Context) *Fingerprint) <-chan *Fingerprint {
	ch := make(chan *Fingerprint, 1)
	go func() {
		defer close(ch)
		var last *Fingerprint
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			fp := check(ctx)
			if last == nil || !last.Equal(fp) {
				select {
				case ch <- fp:
				case <-ctx.Done():
					return
				}
				last = fp
			}
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
		}
	}()
	return ch
}

// Equal reports whether f and g say the same: health, description and
// attributes.
func (f *Fingerprint) Equal(g *Fingerprint) bool {
	return f.Health == g.Health && f.HealthDescription == g.HealthDescription && maps.Equal(f.Attributes, g.Attributes)
}
