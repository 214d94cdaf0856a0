package agent

import (
	"context"
	"errors"
	"net/http"
	"os"
	"syscall"

	"github.com/nomadish/nomadish/client"
	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/allocrunner"
	"github.com/nomadish/nomadish/client/hoststats"
	"github.com/nomadish/nomadish/drivers/plugin"
	"github.com/nomadish/nomadish/nomadish/structs"
)

func init() {
	startClient = startRealClient
}

// startRealClient starts the client package's Client.
func startRealClient(s *clientSettings) (localClient, error) {
	c, err := client.New(&client.Config{
		DataDir:              s.DataDir,
		StateDir:             s.StateDir,
		AllocDir:             s.AllocDir,
		Servers:              s.Servers,
		Region:               s.Region,
		Datacenter:           s.Datacenter,
		NodeName:             s.NodeName,
		NodeClass:            s.NodeClass,
		NodePool:             s.NodePool,
		Meta:                 s.Meta,
		HTTPAddr:             s.HTTPAddr,
		Drivers:              s.Drivers,
		DriverConfigs:        s.DriverConfigs,
		PluginBinary:         s.PluginBinary,
		HostVolumes:          s.HostVolumes,
		GCMaxAllocs:          s.GCMaxAllocs,
		GCDiskUsageThreshold: s.GCDiskUsageThreshold,
		ArtifactFileRoots:    s.ArtifactFileRoots,
		NetworkInterface:     s.NetworkInterface,
		CpuTotalCompute:      s.CpuTotalCompute,
		Reserved:             s.Reserved,
		DestroyOnShutdown:    s.DestroyOnShutdown,
		Logger:               s.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &clientAdapter{c: c}, nil
}

// clientAdapter is the client package's Client as a localClient.
type clientAdapter struct{ c *client.Client }

func (a *clientAdapter) NodeID() string      { return a.c.NodeID() }
func (a *clientAdapter) Node() *structs.Node { return a.c.Node() }
func (a *clientAdapter) Servers() []string   { return a.c.Servers() }
func (a *clientAdapter) Shutdown() error     { return a.c.Shutdown() }
func (a *clientAdapter) NumAllocs() int      { return len(a.c.Allocations()) }
func (a *clientAdapter) RPC(method string, args, reply interface{}) error {
	return a.c.RPC(method, args, reply)
}
func (a *clientAdapter) HostStats() (*hoststats.HostStats, error) { return a.c.HostStats() }

func (a *clientAdapter) Alloc(allocID string) (localAlloc, bool) {
	ar, err := a.c.AllocRunner(allocID)
	if err != nil || ar == nil {
		return nil, false
	}
	return &runnerAlloc{ar: ar, allocDirFiles: allocDirFiles{d: ar.AllocDir()}}, true
}

// runnerAlloc is an alloc runner as a localAlloc.
type runnerAlloc struct {
	ar *allocrunner.AllocRunner
	allocDirFiles
}

func (r *runnerAlloc) Alloc() *structs.Allocation                  { return r.ar.Alloc() }
func (r *runnerAlloc) RestartTask(task string) error               { return r.ar.RestartTask(task) }
func (r *runnerAlloc) SignalTask(task, signal string) error        { return r.ar.SignalTask(task, signal) }
func (r *runnerAlloc) Stats() map[string]*plugin.TaskResourceUsage { return r.ar.Stats() }
func (r *runnerAlloc) CheckExec(ctx context.Context, task string) error {
	return r.ar.CheckExec(ctx, task)
}
func (r *runnerAlloc) ExecTask(ctx context.Context, task string, cmd []string, stdio plugin.ExecStdio) (*plugin.ExitResult, error) {
	return r.ar.ExecTask(ctx, task, cmd, stdio)
}

// allocDirFiles serves the fs endpoints from an allocation directory.
type allocDirFiles struct{ d *allocdir.AllocDir }

// LogDir is the host path of alloc/logs, for tests that write logs.
func (f allocDirFiles) LogDir() string { return f.d.LogDir() }

func (f allocDirFiles) OpenLogDir() (*os.Root, error) {
	root, err := f.d.OpenLogDir()
	if err != nil {
		return nil, fileErr(err)
	}
	return root, nil
}

func (f allocDirFiles) List(rel string) ([]*AllocFileInfo, error) {
	list, err := f.d.List(rel)
	if err != nil {
		return nil, fileErr(err)
	}
	out := make([]*AllocFileInfo, 0, len(list))
	for _, fi := range list {
		out = append(out, toFileInfo(fi))
	}
	return out, nil
}

func (f allocDirFiles) Stat(rel string) (*AllocFileInfo, error) {
	fi, err := f.d.Stat(rel)
	if err != nil {
		return nil, fileErr(err)
	}
	return toFileInfo(fi), nil
}

func (f allocDirFiles) Open(rel string) (*os.File, error) {
	fh, err := f.d.Open(rel)
	if err != nil {
		return nil, fileErr(err)
	}
	return fh, nil
}

func toFileInfo(fi *allocdir.FileInfo) *AllocFileInfo {
	return &AllocFileInfo{Name: fi.Name, IsDir: fi.IsDir, Size: fi.Size, FileMode: fi.FileMode, ModTime: fi.ModTime, ContentType: fi.ContentType}
}

// fileErr maps allocdir's errors onto statuses. Their messages name the
// caller's path only (allocdir.PathError), so they are shown as they are;
// a missing file is left for fsError's 404.
func fileErr(err error) error {
	var pe *allocdir.PathError
	list := errors.As(err, &pe) && pe.Op == "list"
	switch {
	case errors.Is(err, allocdir.ErrSecrets):
		return &CodedError{Code: http.StatusForbidden, Msg: err.Error()}
	case errors.Is(err, allocdir.ErrNotDir) && list:
		return badRequest("%v: ls lists directories; read a file with stat, cat, readat or stream", err)
	case errors.Is(err, allocdir.ErrNotRegular):
		return badRequest("%v: cat, readat and stream read regular files only", err)
	case errors.Is(err, allocdir.ErrEscapes), errors.Is(err, allocdir.ErrNotDir), errors.Is(err, allocdir.ErrLoop),
		errors.Is(err, allocdir.ErrInvalidPath), errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ELOOP):
		return badRequest("%v", err)
	case errors.Is(err, allocdir.ErrChanged):
		return &CodedError{Code: http.StatusConflict, Msg: err.Error() + "; ask again"}
	case errors.Is(err, os.ErrPermission):
		return &CodedError{Code: http.StatusForbidden, Msg: err.Error()}
	}
	return err
}
