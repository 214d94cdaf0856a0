package nomadish

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// validIDPrefixTemplate is what a dispatch's IdPrefixTemplate may hold.
var validIDPrefixTemplate = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{1,64}$`)

// Dispatch creates a child of a parameterized job with the caller's
// payload and meta, and its evaluation, in one Raft entry. The child is a
// copy of the parent with Dispatched set, ParentID naming the parent, no
// parameterized block, the dispatch meta merged over the parent's, and an
// ID of "<parent>/dispatch-<unix>-<8 hex>" ("<parent>/dispatch-<template>-
// <unix>-<8 hex>" with an IdPrefixTemplate).
func (j *Job) Dispatch(args *structs.JobDispatchRequest, reply *structs.JobDispatchResponse) error {
	if done, err := j.srv.forward("Job.Dispatch", args, args, reply); done {
		return err
	}
	if args.JobID == "" {
		return invalid("JobID", "required")
	}
	ns := args.RequestNamespace()
	parent, err := j.srv.State().JobByID(nil, ns, args.JobID)
	if err != nil {
		return err
	}
	if parent == nil {
		return jobNotFound(ns, args.JobID)
	}
	if err := checkDispatch(parent, args); err != nil {
		return err
	}

	now := j.srv.clock().Now()
	child := dispatchedChild(parent, args, now)
	// The dispatch meta is merged into the child: bound it again.
	if err := child.ValidateBounds(j.srv.config.jobLimits()); err != nil {
		return err
	}
	var eval *structs.Evaluation
	if !child.IsPeriodic() {
		eval = newJobEval(child, structs.EvalTriggerJobRegister, now.UnixNano())
	}
	req := &structs.JobRegisterRequest{Job: child, Eval: eval, WriteRequest: args.WriteRequest}
	_, index, err := j.srv.raftApply(structs.JobRegisterRequestType, req)
	if err != nil {
		return fmt.Errorf("dispatch job %q: %w", parent.ID, err)
	}
	reply.DispatchedJobID = child.ID
	reply.JobCreateIndex = index
	if eval != nil {
		reply.EvalID = eval.ID
		reply.EvalCreateIndex = index
	}
	reply.Index = index
	return nil
}

// checkDispatch applies the parent's parameterized rules to a dispatch,
// reporting every problem at once.
func checkDispatch(parent *structs.Job, args *structs.JobDispatchRequest) error {
	if !parent.IsParameterized() {
		return invalid("JobID", "job %q is not a parameterized job; only jobs with a parameterized block can be dispatched", parent.ID)
	}
	if parent.Stop {
		return invalid("JobID", "job %q is stopped; run it again before dispatching it", parent.ID)
	}
	var problems []structs.FieldError
	fail := func(path, format string, a ...interface{}) {
		problems = append(problems, structs.FieldError{Path: path, Message: fmt.Sprintf(format, a...)})
	}
	p := parent.ParameterizedJob
	switch {
	case len(args.Payload) > structs.DispatchPayloadSizeLimit:
		fail("Payload", "is %d bytes; at most %d bytes (16 KiB) are accepted", len(args.Payload), structs.DispatchPayloadSizeLimit)
	case p.Payload == structs.DispatchPayloadForbidden && len(args.Payload) > 0:
		fail("Payload", "job %q forbids a payload; dispatch it without one", parent.ID)
	case p.Payload == structs.DispatchPayloadRequired && len(args.Payload) == 0:
		fail("Payload", "job %q requires a payload; give one (job dispatch <job> <file>, or \"-\" for stdin)", parent.ID)
	}
	allowed := append(slices.Clone(p.MetaRequired), p.MetaOptional...)
	var unknown []string
	for k := range args.Meta {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if len(allowed) == 0 {
			fail("Meta["+k+"]", "job %q accepts no dispatch meta", parent.ID)
		} else {
			fail("Meta["+k+"]", "not accepted by job %q; accepted keys: %s", parent.ID, quoteAll(allowed))
		}
	}
	for _, k := range p.MetaRequired {
		if _, ok := args.Meta[k]; !ok {
			fail("Meta["+k+"]", "required by job %q; give it with -meta %s=<value>", parent.ID, k)
		}
	}
	if t := args.IdPrefixTemplate; t != "" && !validIDPrefixTemplate.MatchString(t) {
		fail("IdPrefixTemplate", "%q must be 1 to 64 letters, digits, '_', '-' or '.'", t)
	}
	if len(problems) > 0 {
		return &structs.ValidationError{Problems: problems}
	}
	return nil
}

// dispatchedChild derives the child job of a dispatch.
func dispatchedChild(parent *structs.Job, args *structs.JobDispatchRequest, now time.Time) *structs.Job {
	var suffix [4]byte
	rand.Read(suffix[:])
	id := parent.ID + structs.DispatchLaunchSuffix
	if args.IdPrefixTemplate != "" {
		id += args.IdPrefixTemplate + "-"
	}
	id += fmt.Sprintf("%d-%s", now.Unix(), hex.EncodeToString(suffix[:]))

	child := deriveChild(parent, id, now)
	child.Dispatched = true
	child.ParameterizedJob = nil
	if len(args.Payload) > 0 {
		child.Payload = slices.Clone(args.Payload)
	}
	if len(args.Meta) > 0 {
		if child.Meta == nil {
			child.Meta = map[string]string{}
		}
		for k, v := range args.Meta {
			child.Meta[k] = v
		}
	}
	return child
}

// deriveChild copies parent as a new job with the given ID, ready to be
// registered: parent link set, bookkeeping cleared.
func deriveChild(parent *structs.Job, id string, now time.Time) *structs.Job {
	child := parent.Copy()
	child.ID = id
	child.Name = id
	child.ParentID = parent.ID
	child.Stop = false
	child.Status, child.StatusDescription = "", ""
	child.Stable = false
	child.Version = 0
	child.CreateIndex, child.ModifyIndex, child.JobModifyIndex = 0, 0, 0
	child.SubmitTime = now.UnixNano()
	return child
}

func quoteAll(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
