package agent

import (
	"errors"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/nomadish/nomadish/client/hoststats"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// localClient is what the agent and its HTTP API need of the client part
// of this agent. The client package's *Client, through clientAdapter
// (client_wiring.go), implements it; handler tests use a fake over a temp
// directory.
type localClient interface {
	NodeID() string
	Node() *structs.Node
	// RPC calls a server, failing over between the known servers.
	RPC(method string, args, reply interface{}) error
	// Servers are the server RPC addresses the client knows.
	Servers() []string
	// Alloc returns an allocation running on this client; false when
	// the client does not hold it.
	Alloc(allocID string) (localAlloc, bool)
	NumAllocs() int
	// HostStats is a snapshot of the machine the client runs on.
	HostStats() (*hoststats.HostStats, error)
	// Shutdown stops the client for an agent restart; tasks keep
	// running.
	Shutdown() error
}

// localAlloc is one allocation on this agent's client: its files, logs and
// tasks.
type localAlloc interface {
	Alloc() *structs.Allocation
	// OpenLogDir opens the allocation's alloc/logs directory through
	// the same confined resolver as List, Stat and Open; the caller
	// closes it.
	OpenLogDir() (*os.Root, error)
	// List, Stat and Open read the allocation directory; rel is
	// relative to it and confined to it. Their errors are the handlers'
	// to answer: a *CodedError with its status, errPathEscapes for a
	// path escaping the directory, os.ErrNotExist for a missing one;
	// none names a host path.
	List(rel string) ([]*AllocFileInfo, error)
	Stat(rel string) (*AllocFileInfo, error)
	Open(rel string) (*os.File, error)
	RestartTask(task string) error
	SignalTask(task, signal string) error
	Stats() map[string]*plugin.TaskResourceUsage
}

// AllocFileInfo is a file of an allocation directory as the fs endpoints
// show it (Nomad's AllocFileInfo).
type AllocFileInfo struct {
	Name        string
	IsDir       bool
	Size        int64
	FileMode    string
	ModTime     time.Time
	ContentType string `json:",omitempty"`
}

// errPathEscapes is what a localAlloc's file methods wrap for a path that
// leaves the allocation directory (allocdir.ErrEscapes on the real
// client).
var errPathEscapes = errors.New("path escapes the allocation directory")

// clientSettings is what the agent hands the client to start it; it
// mirrors client.Config field by field.
type clientSettings struct {
	DataDir, StateDir, AllocDir                       string
	Servers                                           []string
	Region, Datacenter, NodeName, NodeClass, NodePool string
	Meta                                              map[string]string
	HTTPAddr                                          string
	Drivers                                           []string
	DriverConfigs                                     map[string][]byte
	PluginBinary                                      string
	HostVolumes                                       map[string]*structs.ClientHostVolumeConfig
	GCMaxAllocs                                       int
	GCDiskUsageThreshold                              float64
	ArtifactFileRoots                                 []string
	NetworkInterface                                  string
	CpuTotalCompute                                   int64
	Reserved                                          *structs.NodeReservedResources
	DestroyOnShutdown                                 bool
	Logger                                            hclog.Logger
}

// errNoClientPackage is what startClient answers until the client
// package is wired in.
var errNoClientPackage = errors.New("the client is not available in this build")

// startClient starts the client part of the agent. client_wiring.go sets
// it to start the client package's Client; tests may replace it.
var startClient = func(s *clientSettings) (localClient, error) { return nil, errNoClientPackage }
