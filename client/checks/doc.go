// Package checks runs the health checks of one allocation's services on
// the client: http, tcp, grpc (the grpc.health.v1 protocol) and script
// (through the driver's exec), each on its interval and bounded by its
// timeout. A Tracker keeps every check's latest result in the shape of
// Nomad's /v1/client/allocation/:id/checks, folds them into one health per
// service for service registrations, and applies check_restart by asking
// its caller to restart the failing task.
//
// It must not talk to the servers, read the wall clock (time comes from
// the Clock in TrackerConfig) or know how a task is exec'd or restarted:
// the alloc runner hands it those abilities as functions.
package checks
