// Package benchmarks measures the scheduler in process, on a real state
// store, with b.ReportMetric in placements/s:
//
//	go test -run '^$' -bench . ./scheduler/benchmarks/
//
// It holds only tests: nothing here is imported by anything else.
package benchmarks
