package pluginmanager

import "github.com/nomadish/nomadish/client/clienttest"

// fakeClock is a Clock that moves only when Advance is called; timers
// fire when it passes their deadline.
type fakeClock = clienttest.Clock

var newFakeClock = clienttest.NewClock
