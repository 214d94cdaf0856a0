package jobspec

// Limits on the work one job file may ask of the parser, so that a hostile
// or mistaken file (a job file is parsed by the CLI and, through
// PUT /v1/jobs/parse, by every server) cannot crash, hang or exhaust the
// process. Every default is far beyond what a real job file needs; none is
// configurable, so a file that parses on one machine parses on all.
//
// Nesting and number literals are checked on the tokens, before HCL's
// recursive-descent parser sees the file (nesting.go); evaluation work is
// charged to a per-parse budget (budget.go); function arguments and results
// are bounded in functions.go.
const (
	// MaxFileSize is the largest job or variable file accepted.
	MaxFileSize = 1 << 20

	// MaxNestingDepth bounds how deeply a job file, variable file or -var
	// value may nest: blocks, ( [ { brackets, quoted strings and "${ }"
	// interpolations, heredocs, %{ if } and %{ for } directives, runs of
	// the unary operators ! and -, and conditionals (a ? b : c). Real job
	// files nest fewer than 20 levels; HCL's parser would exhaust the Go
	// stack, a fatal crash, at about 100,000. JSON job and variable files
	// may nest their arrays and objects as deeply.
	MaxNestingDepth = 128

	// MaxOperatorDepth bounds the binary operators, attribute accesses and
	// index operations of one expression, counted across the expressions
	// enclosing it: a + b + c is three levels deep once parsed, and
	// evaluating it recurses as deep.
	MaxOperatorDepth = 512

	// MaxNumberLength bounds the characters of a number literal.
	MaxNumberLength = 100

	// MaxNumericText bounds a string that may be taken for a number (an
	// operand of arithmetic or comparison, an index, a number argument or
	// attribute, a task config value): one of more characters that look
	// like a number is refused there. Converting a string of a million
	// digits to a number takes a CPU-second.
	MaxNumericText = 4096

	// Numbers, whether written, computed, converted from a string or given
	// as a variable, must lie within a 64-bit float's range: a magnitude
	// below 2^MaxNumberExponent and, unless zero, at least
	// 2^MinNumberExponent (about 1.8e308 and 4.9e-324). Writing out a
	// number like 1e10000000 as text takes seconds of CPU.
	MaxNumberExponent = 1024
	MinNumberExponent = -1074

	// MaxEvalElements is the budget of one parse for the elements that
	// evaluation builds: each iteration of a `for` expression, and each
	// element of a collection a function returns. Nested `for`
	// expressions otherwise multiply: 1000×1000×1000 exhausts memory.
	MaxEvalElements = 100000

	// MaxEvalBytes is the budget of one parse for the size of the values
	// it builds (counted as for MaxValueSize): every argument, local and
	// variable value, each value a `for` expression iteration yields, and
	// every function result.
	MaxEvalBytes = 64 << 20

	// MaxValueSize bounds the size of any function result, local or
	// variable value (strings count their bytes, collections their
	// elements' sizes).
	MaxValueSize = 1 << 20

	// MaxExprInput bounds the total size of the variables one expression
	// refers to, counting each reference.
	MaxExprInput = 16 << 20

	// MaxFormatWidth bounds widths and precisions in format verbs.
	MaxFormatWidth = 4096

	// MaxIndent bounds indent's number of spaces.
	MaxIndent = 1024

	// MaxSetProduct bounds the number of elements setproduct may create.
	// (range, from HCL's standard library, yields at most 1024 numbers.)
	MaxSetProduct = 10000

	// MaxDynamicBlocks bounds how many blocks `dynamic` blocks may generate
	// in one job file, and MaxDynamicEach how many one for_each may.
	MaxDynamicBlocks = 10000
	MaxDynamicEach   = 1000
)
