package taskrunner

import (
	"context"
	"errors"

	"github.com/nomadish/nomadish/client/allocdir"
	"github.com/nomadish/nomadish/client/artifact"
	"github.com/nomadish/nomadish/nomadish/structs"
)

// artifactsHook downloads the task's artifacts into its directory once;
// the persisted "done" state keeps restarts and restored tasks from
// downloading them again.
type artifactsHook struct {
	getter   *artifact.Getter
	allocDir *allocdir.AllocDir
	emit     func(*structs.TaskEvent)
}

func newArtifactsHook(g *artifact.Getter, d *allocdir.AllocDir, emit func(*structs.TaskEvent)) *artifactsHook {
	if g == nil {
		g = &artifact.Getter{}
	}
	return &artifactsHook{getter: g, allocDir: d, emit: emit}
}

func (*artifactsHook) Name() string { return "artifacts" }

// artifactsDone is the hook's persisted state once every artifact is in.
var artifactsDone = []byte("done")

func (h *artifactsHook) Prestart(ctx context.Context, req *PrestartRequest) error {
	s := req.Setup
	if len(s.Task.Artifacts) == 0 || string(req.HookState) == string(artifactsDone) {
		return nil
	}
	h.emit(NewEvent(EventDownloadingArtifacts, "Client is downloading artifacts"))
	replace := func(v string) string { return v }
	if s.Env != nil {
		replace = s.Env.Replace
	}
	for _, art := range s.Task.Artifacts {
		if art != nil && s.Env != nil {
			// The destination is a path the client writes, so its
			// directory variables are host paths, as for templates
			// (clientPathEnv); the source and options see the task's
			// environment.
			c := *art
			c.RelativeDest = clientPathEnv(s).Replace(art.RelativeDest)
			art = &c
		}
		if err := h.getter.Get(ctx, art, replace, h.allocDir.Dir, s.TaskDir.Dir); err != nil {
			return setupError(EventArtifactDownloadFailed, err, retryable(err))
		}
	}
	req.HookState = artifactsDone
	return nil
}

// retryable says whether a failed download may work next time: a network
// error may; a destination outside the task directory, a refused source
// or a malformed artifact never will.
func retryable(err error) bool {
	for _, permanent := range []error{
		allocdir.ErrEscapes,
		artifact.ErrFileSourceNotAllowed,
		artifact.ErrInvalid,
		artifact.ErrUnsafeEntry,
		artifact.ErrTooLarge,
	} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return true
}
