package jobspec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// topLevelOnly are the blocks a job file accepts only at its top level,
// outside the job block, with how each is then used. A newcomer often
// writes them inside job, group or task, next to what uses them; HCL then
// says only that the block is "not expected here".
var topLevelOnly = map[string]string{
	"variable": "refer to it as var.<name> and set it with -var, -var-file or NOMADISH_VAR_<name>",
	"locals":   "refer to its values as local.<name>",
}

// explainMisplaced adds to an "Unsupported block type" diagnostic about a
// variable or locals block inside the job where such blocks go. Other
// diagnostics are left as they are.
func explainMisplaced(d *hcl.Diagnostic) {
	if d.Summary != "Unsupported block type" {
		return
	}
	m := unsupportedName.FindStringSubmatch(d.Detail)
	if m == nil {
		return
	}
	use, ok := topLevelOnly[m[1]]
	if !ok {
		return
	}
	d.Detail += fmt.Sprintf(" %q blocks go at the top level of the file, outside job: move this one above the job block, then %s.", m[1], use)
}
