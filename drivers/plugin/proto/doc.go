// Package proto is the Go code protoc generates from driver.proto, the
// nomadish task driver protocol. Regenerate it with `make proto`; never edit
// the .pb.go files by hand. Driver authors use package plugin, not this one.
package proto
