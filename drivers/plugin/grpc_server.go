package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/nomadish/nomadish/drivers/plugin/proto"
)

// grpcServer serves a DriverPlugin as the Driver gRPC service, inside the
// plugin process.
type grpcServer struct {
	proto.UnimplementedDriverServer
	impl DriverPlugin
}

func (s *grpcServer) PluginInfo(ctx context.Context, _ *proto.PluginInfoRequest) (*proto.PluginInfoResponse, error) {
	info, err := s.impl.PluginInfo(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &proto.PluginInfoResponse{Name: info.Name, PluginVersion: info.PluginVersion, ProtocolVersion: int32(info.ProtocolVersion)}, nil
}

func (s *grpcServer) ConfigSchema(ctx context.Context, _ *proto.ConfigSchemaRequest) (*proto.ConfigSchemaResponse, error) {
	cs, err := s.impl.ConfigSchema(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	p, err := json.Marshal(cs.Plugin)
	if err != nil {
		return nil, toStatus(fmt.Errorf("encode plugin schema: %w", err))
	}
	t, err := json.Marshal(cs.Task)
	if err != nil {
		return nil, toStatus(fmt.Errorf("encode task schema: %w", err))
	}
	return &proto.ConfigSchemaResponse{PluginSchema: p, TaskSchema: t}, nil
}

func (s *grpcServer) SetConfig(ctx context.Context, req *proto.SetConfigRequest) (*proto.SetConfigResponse, error) {
	return &proto.SetConfigResponse{}, toStatus(s.impl.SetConfig(ctx, req.GetConfig()))
}

func (s *grpcServer) Fingerprint(_ *proto.FingerprintRequest, stream proto.Driver_FingerprintServer) error {
	ch, err := s.impl.Fingerprint(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	if err := stream.SendHeader(streamOK); err != nil {
		return err
	}
	for fp := range ch {
		if err := stream.Send(&proto.FingerprintResponse{
			Health:            proto.Health(fp.Health),
			HealthDescription: fp.HealthDescription,
			Attributes:        fp.Attributes,
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *grpcServer) Capabilities(ctx context.Context, _ *proto.CapabilitiesRequest) (*proto.CapabilitiesResponse, error) {
	c, err := s.impl.Capabilities(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &proto.CapabilitiesResponse{
		SendSignals:               c.SendSignals,
		Exec:                      c.Exec,
		FsIsolation:               c.FSIsolation,
		RecoverAfterPluginRestart: c.RecoverAfterPluginRestart,
	}, nil
}

// StartTask reports a start failure in the response rather than as a gRPC
// error, so that whether it is worth a retry survives the trip.
func (s *grpcServer) StartTask(ctx context.Context, req *proto.StartTaskRequest) (*proto.StartTaskResponse, error) {
	h, err := s.impl.StartTask(ctx, taskConfigFromProto(req.GetTask()))
	switch {
	case err == nil:
		return &proto.StartTaskResponse{Handle: taskHandleToProto(h)}, nil
	case IsRecoverable(err):
		return &proto.StartTaskResponse{Result: proto.StartTaskResponse_RETRY, Error: err.Error()}, nil
	case errors.Is(err, ErrTaskExists):
		return nil, toStatus(err)
	default:
		return &proto.StartTaskResponse{Result: proto.StartTaskResponse_FATAL, Error: err.Error()}, nil
	}
}

func (s *grpcServer) WaitTask(ctx context.Context, req *proto.WaitTaskRequest) (*proto.WaitTaskResponse, error) {
	r, err := s.impl.WaitTask(ctx, req.GetTaskId())
	if err != nil {
		return nil, toStatus(err)
	}
	return &proto.WaitTaskResponse{Result: exitResultToProto(r)}, nil
}

func (s *grpcServer) StopTask(ctx context.Context, req *proto.StopTaskRequest) (*proto.StopTaskResponse, error) {
	err := s.impl.StopTask(ctx, req.GetTaskId(), time.Duration(req.GetTimeoutNanos()), req.GetSignal())
	return &proto.StopTaskResponse{}, toStatus(err)
}

func (s *grpcServer) DestroyTask(ctx context.Context, req *proto.DestroyTaskRequest) (*proto.DestroyTaskResponse, error) {
	return &proto.DestroyTaskResponse{}, toStatus(s.impl.DestroyTask(ctx, req.GetTaskId(), req.GetForce()))
}

func (s *grpcServer) InspectTask(ctx context.Context, req *proto.InspectTaskRequest) (*proto.InspectTaskResponse, error) {
	st, err := s.impl.InspectTask(ctx, req.GetTaskId())
	if err != nil {
		return nil, toStatus(err)
	}
	return taskStatusToProto(st), nil
}

func (s *grpcServer) RecoverTask(ctx context.Context, req *proto.RecoverTaskRequest) (*proto.RecoverTaskResponse, error) {
	return &proto.RecoverTaskResponse{}, toStatus(s.impl.RecoverTask(ctx, taskHandleFromProto(req.GetHandle())))
}

func (s *grpcServer) TaskStats(req *proto.TaskStatsRequest, stream proto.Driver_TaskStatsServer) error {
	ch, err := s.impl.TaskStats(stream.Context(), req.GetTaskId(), time.Duration(req.GetIntervalNanos()))
	if err != nil {
		return toStatus(err)
	}
	if err := stream.SendHeader(streamOK); err != nil {
		return err
	}
	for u := range ch {
		if err := stream.Send(usageToProto(u)); err != nil {
			return err
		}
	}
	return nil
}

func (s *grpcServer) TaskEvents(_ *proto.TaskEventsRequest, stream proto.Driver_TaskEventsServer) error {
	ch, err := s.impl.TaskEvents(stream.Context())
	if err != nil {
		return toStatus(err)
	}
	if err := stream.SendHeader(streamOK); err != nil {
		return err
	}
	for e := range ch {
		if err := stream.Send(eventToProto(e)); err != nil {
			return err
		}
	}
	return nil
}

func (s *grpcServer) SignalTask(ctx context.Context, req *proto.SignalTaskRequest) (*proto.SignalTaskResponse, error) {
	return &proto.SignalTaskResponse{}, toStatus(s.impl.SignalTask(ctx, req.GetTaskId(), req.GetSignal()))
}

func (s *grpcServer) ExecTask(stream proto.Driver_ExecTaskServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	setup := first.GetSetup()
	if setup == nil {
		return toStatus(fmt.Errorf("exec: first message must be the setup"))
	}
	// stdin arrives on the stream; a pipe turns it into a reader.
	stdinR, stdinW := io.Pipe()
	// Resizes (with a terminal only) go on a channel closed once the
	// exec has returned; resizeMu makes the close and the sends exclusive.
	var (
		resize       chan TerminalSize
		resizeMu     sync.Mutex // guards resizeClosed and sends on resize
		resizeClosed bool
	)
	if setup.GetTty() {
		resize = make(chan TerminalSize, resizeBuffer)
	}
	offer := func(p *proto.TerminalSize) {
		sz, ok := terminalSizeFromProto(p)
		if resize == nil || !ok {
			return // no terminal, or a size out of 1..65535: ignored
		}
		resizeMu.Lock()
		defer resizeMu.Unlock()
		if !resizeClosed {
			OfferResize(resize, sz)
		}
	}
	go func() {
		for {
			msg, err := stream.Recv()
			if err != nil {
				stdinW.CloseWithError(err)
				return
			}
			switch m := msg.GetMsg().(type) {
			case *proto.ExecTaskRequest_Stdin:
				if _, err := stdinW.Write(m.Stdin); err != nil {
					return // the exec has ended
				}
			case *proto.ExecTaskRequest_StdinClosed:
				// Keep receiving: resizes may follow.
				stdinW.Close()
			case *proto.ExecTaskRequest_Resize:
				offer(m.Resize)
			}
		}
	}()
	var sendMu sync.Mutex // grpc streams allow one sender at a time
	send := func(msg *proto.ExecTaskResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(msg)
	}
	stdout := writerFunc(func(p []byte) error {
		return send(&proto.ExecTaskResponse{Msg: &proto.ExecTaskResponse_Stdout{Stdout: append([]byte(nil), p...)}})
	})
	stderr := writerFunc(func(p []byte) error {
		return send(&proto.ExecTaskResponse{Msg: &proto.ExecTaskResponse_Stderr{Stderr: append([]byte(nil), p...)}})
	})
	res, err := s.impl.ExecTask(stream.Context(), setup.GetTaskId(), setup.GetCommand(), ExecStdio{
		Stdin: stdinR, Stdout: stdout, Stderr: stderr, TTY: setup.GetTty(), Resize: resize,
	})
	stdinR.Close()
	if resize != nil {
		resizeMu.Lock()
		resizeClosed = true
		close(resize)
		resizeMu.Unlock()
	}
	if err != nil {
		return toStatus(err)
	}
	return send(&proto.ExecTaskResponse{Msg: &proto.ExecTaskResponse_Exit{Exit: exitResultToProto(res)}})
}

// streamOK is the header a server stream sends once the driver has
// accepted the call, so that the client can tell a refused stream (an
// error, no header) from one that is merely quiet.
var streamOK = metadata.Pairs(streamOKKey, "1")

const streamOKKey = "nomadish-stream-ok"

// writerFunc is an io.Writer that hands each write to a function.
type writerFunc func(p []byte) error

func (f writerFunc) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}
