package history

import (
	"regexp"
	"strconv"
)

// casConflict matches the text of nomadish's check-index refusal
// (nomadish/job_endpoint.go): either the job "exists with job modify
// index N" or it "does not exist".
var casConflict = regexp.MustCompile(`enforcing job modify index \d+: job ".*?" (?:exists with job modify index (\d+)|(does not exist))`)

// ParseCASConflict reads from the error text of a refused
// compare-and-set the JobModifyIndex the server said the job had, 0 when
// it said the job does not exist. ok is false when the text is not such a
// refusal, and then nothing is known.
func ParseCASConflict(msg string) (current uint64, ok bool) {
	m := casConflict.FindStringSubmatch(msg)
	switch {
	case m == nil:
		return 0, false
	case m[2] != "":
		return 0, true
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
