package scheduler

import (
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Reschedule delay functions.
const (
	delayConstant    = "constant"
	delayExponential = "exponential"
	delayFibonacci   = "fibonacci"
)

// maxTrackedReschedules bounds the events an unlimited policy carries.
const maxTrackedReschedules = 10

// rescheduleDecision says whether and when a failed allocation may be
// replaced.
type rescheduleDecision struct {
	eligible bool
	at       time.Time
	delay    time.Duration
}

// decideReschedule applies a group's reschedule policy to a failed
// allocation. It is ineligible without a policy, with zero attempts and
// not unlimited, or when the attempts made within the policy's interval
// (every attempt when the interval is zero) reach the limit. Otherwise
// the replacement is due the delay after the allocation failed: the
// latest finish time of its tasks, else its last modification, else now.
func decideReschedule(a *structs.Allocation, p *structs.ReschedulePolicy, now time.Time) rescheduleDecision {
	if p == nil || (!p.Unlimited && p.Attempts <= 0) {
		return rescheduleDecision{}
	}
	var events []*structs.RescheduleEvent
	if a.RescheduleTracker != nil {
		events = a.RescheduleTracker.Events
	}
	if !p.Unlimited {
		attempts := 0
		for _, e := range events {
			if p.Interval <= 0 || now.Sub(time.Unix(0, e.RescheduleTime)) < p.Interval {
				attempts++
			}
		}
		if attempts >= p.Attempts {
			return rescheduleDecision{}
		}
	}
	failed := failTime(a, now)
	delay := nextDelay(p, events, failed)
	return rescheduleDecision{eligible: true, at: failed.Add(delay), delay: delay}
}

// failTime is when the allocation failed, as best known.
func failTime(a *structs.Allocation, now time.Time) time.Time {
	var latest time.Time
	for _, ts := range a.TaskStates {
		if ts != nil && ts.FinishedAt.After(latest) {
			latest = ts.FinishedAt
		}
	}
	if !latest.IsZero() {
		return latest
	}
	if a.ModifyTime > 0 {
		return time.Unix(0, a.ModifyTime)
	}
	return now
}

// nextDelay is the wait before the next attempt. constant: always Delay.
// exponential: Delay doubled per earlier attempt. fibonacci: the sum of
// the two previous delays (Delay, Delay, 2×Delay, 3×Delay, …). Both are
// capped at MaxDelay when it is set, and the sequence starts over when
// the allocation ran longer than MaxDelay since its last reschedule: a
// task that stayed up that long is not crash-looping.
func nextDelay(p *structs.ReschedulePolicy, events []*structs.RescheduleEvent, failed time.Time) time.Duration {
	base := p.Delay
	if len(events) == 0 || p.DelayFunction == delayConstant || p.DelayFunction == "" {
		return base
	}
	last := events[len(events)-1]
	if p.MaxDelay > 0 && failed.Sub(time.Unix(0, last.RescheduleTime)) > p.MaxDelay+last.Delay {
		return base
	}
	var d time.Duration
	switch p.DelayFunction {
	case delayExponential:
		d = last.Delay * 2
		if last.Delay == 0 {
			d = base
		}
	case delayFibonacci:
		if len(events) == 1 {
			d = last.Delay
		} else {
			d = last.Delay + events[len(events)-2].Delay
		}
		if d == 0 {
			d = base
		}
	default:
		d = base
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d
}

// nextTracker is the reschedule history of the replacement of prev.
func nextTracker(prev *structs.Allocation, p *structs.ReschedulePolicy, now time.Time, delay time.Duration) *structs.RescheduleTracker {
	var events []*structs.RescheduleEvent
	if prev.RescheduleTracker != nil {
		for _, e := range prev.RescheduleTracker.Events {
			ev := *e
			events = append(events, &ev)
		}
	}
	events = append(events, &structs.RescheduleEvent{
		RescheduleTime: now.UnixNano(),
		PrevAllocID:    prev.ID,
		PrevNodeID:     prev.NodeID,
		Delay:          delay,
	})
	keep := maxTrackedReschedules
	if p != nil && !p.Unlimited && p.Attempts > 0 {
		keep = p.Attempts
	}
	if len(events) > keep {
		events = events[len(events)-keep:]
	}
	return &structs.RescheduleTracker{Events: events}
}
