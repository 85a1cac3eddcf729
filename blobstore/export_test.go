package blobstore

// HeldWrites and HeldReads are the write and read budget tokens s holds
// now, for the budget tests (package blobstore_test).
func HeldWrites(s *Store) int { return s.writes.held() }
func HeldReads(s *Store) int  { return s.reads.held() }
