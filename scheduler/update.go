package scheduler

import (
	"reflect"

	"github.com/nomadish/nomadish/nomadish/structs"
)

// updateKind is what a new job version means for a running allocation.
type updateKind int

const (
	// updateNone: same job version; nothing to do.
	updateNone updateKind = iota
	// updateInPlace: only fields the client can apply to running tasks
	// changed; the allocation keeps its node and resources.
	updateInPlace
	// updateDestructive: the allocation must be stopped and replaced.
	updateDestructive
)

// classifyUpdate decides between in-place and destructive updates of an
// allocation of oldJob to newJob. The rule:
//
// Destructive when anything that decides where or how tasks run changed:
// at job level the datacenters, node pool, constraints, affinities or
// spreads; at group level its constraints, affinities, spreads, networks,
// ephemeral disk or volumes, or the set of task names; per task its
// driver, user, config, env, resources, artifacts, templates, volume
// mounts, lifecycle, leader flag, constraints, affinities, kill signal,
// log config or services (their ports are bound at start).
//
// In place otherwise: a change of count alone, meta (job, group, task),
// kill timeout, restart policy, reschedule policy, update and migrate
// strategies, shutdown delay, group services — or nothing at all but the
// version — only needs the allocation to carry the new job.
func classifyUpdate(oldJob, newJob *structs.Job, group string) updateKind {
	if oldJob == nil || newJob == nil {
		return updateNone
	}
	if oldJob.CreateIndex == newJob.CreateIndex && oldJob.JobModifyIndex == newJob.JobModifyIndex {
		return updateNone
	}
	oldTG, newTG := oldJob.LookupTaskGroup(group), newJob.LookupTaskGroup(group)
	if oldTG == nil || newTG == nil {
		return updateDestructive
	}
	if !sameStrings(oldJob.Datacenters, newJob.Datacenters) || oldJob.NodePool != newJob.NodePool ||
		!equalish(oldJob.Constraints, newJob.Constraints) || !equalish(oldJob.Affinities, newJob.Affinities) ||
		!equalish(oldJob.Spreads, newJob.Spreads) {
		return updateDestructive
	}
	if !equalish(oldTG.Constraints, newTG.Constraints) || !equalish(oldTG.Affinities, newTG.Affinities) ||
		!equalish(oldTG.Spreads, newTG.Spreads) || !equalish(oldTG.Networks, newTG.Networks) ||
		!equalish(oldTG.EphemeralDisk, newTG.EphemeralDisk) || !equalish(oldTG.Volumes, newTG.Volumes) ||
		len(oldTG.Tasks) != len(newTG.Tasks) {
		return updateDestructive
	}
	for _, nt := range newTG.Tasks {
		var ot *structs.Task
		for _, t := range oldTG.Tasks {
			if t.Name == nt.Name {
				ot = t
			}
		}
		if ot == nil || taskDestructivelyChanged(ot, nt) {
			return updateDestructive
		}
	}
	return updateInPlace
}

func taskDestructivelyChanged(a, b *structs.Task) bool {
	return a.Driver != b.Driver || a.User != b.User || a.KillSignal != b.KillSignal || a.Leader != b.Leader ||
		!equalish(a.Config, b.Config) || !equalish(a.Env, b.Env) || !equalish(a.Resources, b.Resources) ||
		!equalish(a.Artifacts, b.Artifacts) || !equalish(a.Templates, b.Templates) ||
		!equalish(a.VolumeMounts, b.VolumeMounts) || !equalish(a.Lifecycle, b.Lifecycle) ||
		!equalish(a.Constraints, b.Constraints) || !equalish(a.Affinities, b.Affinities) ||
		!equalish(a.LogConfig, b.LogConfig) || !equalish(a.Services, b.Services)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// equalish is reflect.DeepEqual except that a nil and an empty slice or
// map are equal at any depth, and numbers compare by value across
// integer kinds: jobs that went through msgpack (a Raft log, a snapshot)
// differ from the submitted ones in exactly those ways.
func equalish(a, b interface{}) bool {
	return deepEqualish(reflect.ValueOf(a), reflect.ValueOf(b))
}

func deepEqualish(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return isEmptyValue(a) && isEmptyValue(b)
	}
	if a.Kind() == reflect.Interface {
		a = a.Elem()
	}
	if b.Kind() == reflect.Interface {
		b = b.Elem()
	}
	if !a.IsValid() || !b.IsValid() {
		return isEmptyValue(a) && isEmptyValue(b)
	}
	if isInt(a) && isInt(b) {
		return intValue(a) == intValue(b)
	}
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return deepEqualish(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !deepEqualish(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		it := a.MapRange()
		for it.Next() {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !deepEqualish(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if a.Type() != b.Type() {
			return false
		}
		for i := 0; i < a.NumField(); i++ {
			if !deepEqualish(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func isEmptyValue(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

func isInt(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func intValue(v reflect.Value) int64 {
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	}
	return v.Int()
}
