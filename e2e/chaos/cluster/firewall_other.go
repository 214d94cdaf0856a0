//go:build !linux

package cluster

import (
	"errors"
	"syscall"
)

// The chaos harness needs Linux: cgroup v2, iptables and every 127/8
// address answering on loopback.
var errUnsupported = errors.New("cannot run the chaos suite here: it needs Linux (cgroup v2, iptables, 127.0.0.x loopback addresses)")

type firewall struct{}

func preflight() error                                          { return errUnsupported }
func newFirewall(string) (*firewall, error)                     { return nil, errUnsupported }
func (*firewall) procAttr(*Agent) (*syscall.SysProcAttr, error) { return nil, errUnsupported }
func (*firewall) partition(a, b *Agent) error                   { return errUnsupported }
func (*firewall) heal(a, b *Agent) error                        { return errUnsupported }
func (*firewall) healAll() error                                { return errUnsupported }
func (*firewall) close()                                        {}
func straysUnder(string) []int                                  { return nil }
