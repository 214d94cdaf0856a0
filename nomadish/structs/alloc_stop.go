package structs

// EvalTriggerAllocStop is the trigger of the evaluation Alloc.Stop creates.
const EvalTriggerAllocStop = "alloc-stop"

// AllocStopRequest asks the server to stop one allocation and place a
// replacement (`nomadish alloc stop`): it marks the allocation for
// migration and creates an evaluation of its job.
type AllocStopRequest struct {
	AllocID string
	// NoShutdownDelay asks the client to skip the group's and tasks'
	// shutdown_delay; it is recorded as the allocation's
	// DesiredTransition.NoShutdownDelay.
	NoShutdownDelay bool
	WriteRequest
}

// AllocStopResponse names the evaluation Alloc.Stop created.
type AllocStopResponse struct {
	EvalID string
	WriteMeta
}
