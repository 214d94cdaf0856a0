package state

import (
	memdb "github.com/hashicorp/go-memdb"
)

// Table names. They are also the keys of the "index" table, which records
// the Raft index of the last write to each table.
const (
	tableIndex       = "index"
	tableJobs        = "jobs"
	tableJobVersion  = "job_version"
	tableJobSummary  = "job_summary"
	tableNodes       = "nodes"
	tableAllocs      = "allocs"
	tableEvals       = "evals"
	tableDeployments = "deployment"
	tableServices    = "services"   // services.go
	tableNodePools   = "node_pools" // node_pools.go
)

// Tables lists the tables whose latest index is tracked.
var Tables = []string{tableJobs, tableJobVersion, tableJobSummary, tableNodes, tableAllocs, tableEvals, tableDeployments, tableServices}

func stringField(name string) *memdb.StringFieldIndex {
	return &memdb.StringFieldIndex{Field: name}
}

func nsAndID(idField string) *memdb.CompoundIndex {
	return &memdb.CompoundIndex{Indexes: []memdb.Indexer{stringField("Namespace"), stringField(idField)}}
}

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		tableIndex: {
			Name: tableIndex,
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: stringField("Key")},
			},
		},
		tableJobs: {
			Name: tableJobs,
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: nsAndID("ID")},
			},
		},
		tableJobVersion: {
			Name: tableJobVersion,
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					stringField("Namespace"), stringField("ID"), &memdb.UintFieldIndex{Field: "Version"},
				}}},
			},
		},
		tableJobSummary: {
			Name: tableJobSummary,
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: nsAndID("JobID")},
			},
		},
		tableNodes: {
			Name: tableNodes,
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: stringField("ID")},
			},
		},
		tableAllocs: {
			Name: tableAllocs,
			Indexes: map[string]*memdb.IndexSchema{
				"id":   {Name: "id", Unique: true, Indexer: stringField("ID")},
				"job":  {Name: "job", Indexer: nsAndID("JobID")},
				"node": {Name: "node", Indexer: stringField("NodeID")},
			},
		},
		tableEvals: {
			Name: tableEvals,
			Indexes: map[string]*memdb.IndexSchema{
				"id":  {Name: "id", Unique: true, Indexer: stringField("ID")},
				"job": {Name: "job", Indexer: nsAndID("JobID")},
			},
		},
		tableDeployments: {
			Name: tableDeployments,
			Indexes: map[string]*memdb.IndexSchema{
				"id":  {Name: "id", Unique: true, Indexer: stringField("ID")},
				"job": {Name: "job", Indexer: nsAndID("JobID")},
			},
		},
		tableServices:  servicesTableSchema(),
		tableNodePools: nodePoolsTableSchema(),
	}}
}
