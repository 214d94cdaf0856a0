package restarts

import (
	"fmt"
	"math/rand"
	"time"

	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// Decision is what the task runner should do with a stopped task.
type Decision int

const (
	// Restart the task after the returned delay.
	Restart Decision = iota
	// NoRestart: the task is done without failing (killed by the client,
	// or a batch task that succeeded).
	NoRestart
	// Fail: the task is done and failed (attempts exhausted in mode
	// "fail", no restarts allowed, or an unrecoverable start error).
	Fail
)

func (d Decision) String() string {
	switch d {
	case Restart:
		return "restart"
	case NoRestart:
		return "no restart"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Reasons returned by Next, worded as Nomad's task events word them.
const (
	ReasonNoRestartsAllowed = "Policy allows no restarts"
	ReasonUnrecoverable     = "Error was unrecoverable"
	ReasonWithinPolicy      = "Restart within policy"
	ReasonDelay             = "Exceeded allowed attempts, applying a delay"
	ReasonSuccess           = "Restart unnecessary as task terminated successfully"
	ReasonKilled            = "Task killed by the client"
	ReasonTriggered         = "Restart triggered by the user"
	ReasonNothing           = "No exit or start error recorded"
)

// jitterFraction is the most random jitter added to the delay, as a
// fraction of it.
const jitterFraction = 0.25

// Tracker follows one task's restarts. Record what happened with one of
// the Set methods, then call Next; Next forgets what was recorded.
type Tracker struct {
	policy    structs.RestartPolicy
	onSuccess bool // restart after a successful exit
	rng       *rand.Rand

	count         int       // failures counted in the current interval
	intervalStart time.Time // zero until the first counted failure

	// What happened since the last Next.
	startErr  error
	exitRes   *plugin.ExitResult
	failure   bool
	killed    bool
	triggered bool
}

// NewTracker returns a tracker for a task of a job of jobType. A nil
// policy means the job type's default (Nomad's: batch 3 in 24h, others 2
// in 30m, 15s delay, mode "fail"). A nil rng is seeded from the wall
// clock.
func NewTracker(policy *structs.RestartPolicy, jobType string, rng *rand.Rand) *Tracker {
	batch := jobType == structs.JobTypeBatch || jobType == structs.JobTypeSysBatch
	var p structs.RestartPolicy
	switch {
	case policy != nil:
		p = *policy
	case batch:
		p = structs.RestartPolicy{Attempts: 3, Interval: 24 * time.Hour, Delay: 15 * time.Second, Mode: structs.RestartPolicyModeFail}
	default:
		p = structs.RestartPolicy{Attempts: 2, Interval: 30 * time.Minute, Delay: 15 * time.Second, Mode: structs.RestartPolicyModeFail}
	}
	if rng == nil {
		rng = rand.New(rand.NewSource(time.Now().UnixNano()))
	}
	return &Tracker{policy: p, onSuccess: !batch, rng: rng}
}

// SetStartError records that the task failed to start. Errors the driver
// marks recoverable (plugin.IsRecoverable) count against the policy;
// others fail the task.
func (t *Tracker) SetStartError(err error) {
	t.startErr = err
	t.failure = true
}

// SetExitResult records how the task exited.
func (t *Tracker) SetExitResult(res *plugin.ExitResult) {
	t.exitRes = res
	t.failure = true
}

// SetKilled records that the client killed the task: it never restarts.
func (t *Tracker) SetKilled() {
	t.killed = true
}

// SetRestartTriggered records a restart asked for by the user (`alloc
// restart`). With failure false it happens at once and is not counted;
// with failure true it is counted against the policy like an exit.
func (t *Tracker) SetRestartTriggered(failure bool) {
	if failure {
		t.failure = true
		return
	}
	t.triggered = true
}

// Count is the number of failures counted in the current interval.
func (t *Tracker) Count() int {
	return t.count
}

// Next decides what to do about what was recorded since the last call,
// at time now. It returns the decision, the delay before restarting
// (Restart only) and a reason for the task's events.
func (t *Tracker) Next(now time.Time) (Decision, time.Duration, string) {
	defer t.clear()

	if t.killed {
		return NoRestart, 0, ReasonKilled
	}
	if t.triggered {
		return Restart, 0, ReasonTriggered
	}
	if !t.failure {
		return NoRestart, 0, ReasonNothing
	}
	success := t.startErr == nil && t.exitRes != nil && t.exitRes.Successful()
	if t.startErr != nil && !plugin.IsRecoverable(t.startErr) {
		return Fail, 0, ReasonUnrecoverable
	}
	if success && !t.onSuccess {
		return NoRestart, 0, ReasonSuccess
	}
	if t.policy.Attempts <= 0 {
		return Fail, 0, ReasonNoRestartsAllowed
	}

	// A failure after the interval has ended starts a new one.
	if t.intervalStart.IsZero() || !now.Before(t.intervalStart.Add(t.policy.Interval)) {
		t.count = 0
		t.intervalStart = now
	}
	t.count++

	if t.count > t.policy.Attempts {
		if t.policy.Mode == structs.RestartPolicyModeDelay {
			// Wait out the interval; the next failure after it starts
			// a new one.
			end := t.intervalStart.Add(t.policy.Interval)
			return Restart, end.Sub(now), ReasonDelay
		}
		return Fail, 0, fmt.Sprintf("Exceeded allowed attempts %d in interval %v and mode is %q",
			t.policy.Attempts, t.policy.Interval, t.policy.Mode)
	}
	return Restart, t.jitteredDelay(), ReasonWithinPolicy
}

// jitteredDelay is the policy's delay plus up to 25% of it at random.
func (t *Tracker) jitteredDelay() time.Duration {
	d := int64(t.policy.Delay)
	if d <= 0 {
		return 0
	}
	j := int64(float64(t.rng.Int63n(d)) * jitterFraction)
	return time.Duration(d + j)
}

func (t *Tracker) clear() {
	t.startErr = nil
	t.exitRes = nil
	t.failure = false
	t.killed = false
	t.triggered = false
}
