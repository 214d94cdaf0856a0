// Package serviceregistration registers an allocation's services
// (provider "nomad", or unset) with the servers' native service discovery
// while its tasks run, keeps each instance's health in step with the
// allocation's checks, and removes the instances when the allocation
// stops. It builds registrations from the allocation alone and talks to
// the servers only through the small RPC interface its caller provides;
// it runs no checks itself (client/checks does).
package serviceregistration
