package scheduler

import "errors"

// ErrUnknownScheduler is returned by NewScheduler for a name that is not
// in BuiltinSchedulers.
var ErrUnknownScheduler = errors.New("unknown scheduler")

// ErrNoState is returned when a planner reports a partial commit without
// handing back a fresher State to retry on.
var ErrNoState = errors.New("planner returned a refresh index but no state")
