package nomadish

import (
	"strconv"
	"strings"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// Validate checks a job the way Register would, without registering it.
// An invalid job is a successful answer listing every problem; only a
// failure to answer is an RPC error. The job is canonicalized first, so
// defaults Nomad documents are not reported missing.
func (j *Job) Validate(args *structs.JobValidateRequest, reply *structs.JobValidateResponse) error {
	if done, err := j.srv.forward("Job.Validate", args, args, reply); done {
		return err
	}
	limits := j.srv.config.jobLimits()
	// Bounded before the deep copy, which a too deeply nested Config
	// would make fail.
	if err := args.Job.ValidateBounds(limits); err != nil {
		reply.ValidationErrors = validationProblems(err)
		reply.Error = strings.Join(reply.ValidationErrors, "\n")
		return nil
	}
	job := args.Job.Copy()
	if job != nil {
		if job.Namespace == "" {
			job.Namespace = args.RequestNamespace()
		}
		if job.Region == "" {
			job.Region = j.srv.Region()
		}
		job.Canonicalize()
	}
	reply.ValidationErrors = validationProblems(job.ValidateWith(limits))
	if job != nil {
		reply.ValidationErrors = append(reply.ValidationErrors, validationProblems(checkJobNamespace(job.Namespace))...)
	}
	if job != nil && job.Region != j.srv.Region() {
		reply.ValidationErrors = append(reply.ValidationErrors,
			"Region: "+strconv.Quote(job.Region)+" does not match region "+strconv.Quote(j.srv.Region())+" the job was sent to; send it with ?region="+job.Region)
	}
	// The same warnings as Register and Plan give, including those for
	// which Register would refuse the job: validation reports them and
	// still succeeds, so `job validate` says before `job run` what run
	// will do.
	reply.Warnings = job.Warnings()
	reply.Error = strings.Join(reply.ValidationErrors, "\n")
	return nil
}

// validationProblems lists the problems of a validation error, one
// "Path: message" each.
func validationProblems(err error) []string {
	out := []string{}
	if err == nil {
		return out
	}
	if ve, ok := err.(*structs.ValidationError); ok {
		for _, p := range ve.Problems {
			out = append(out, p.String())
		}
		return out
	}
	return append(out, err.Error())
}
