package state

import memdb "github.com/hashicorp/go-memdb"

// Batch runs fn so that every write it makes to the store joins one
// transaction, committed only when fn returns nil and aborted otherwise
// (also when fn panics). The FSM applies each Raft entry in a batch: an
// entry whose second write fails (an evaluation the store refuses after
// the job it came with was written) must change nothing, on every server
// alike, rather than leave half of itself behind.
//
// Reads made through the store's read methods inside fn do not see the
// batch's own writes; the writes themselves do. Batches do not nest, and
// only the store's single writer (the FSM) may use them.
func (s *StateStore) Batch(fn func() error) error {
	txn := s.db.Txn(true)
	s.batch = txn
	defer func() {
		s.batch = nil
		txn.Abort()
	}()
	if err := fn(); err != nil {
		return err
	}
	txn.Commit()
	return nil
}

// batchTxn is the transaction of the running Batch, nil outside one.
func (s *StateStore) batchTxn() *memdb.Txn { return s.batch }
