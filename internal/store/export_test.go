package store

import (
	"fmt"
	"time"
)

// LimitPages makes the store full once its file reaches n pages: the only way a test can see a
// disk-full error. The store then uses one connection, so the limit holds for every statement.
func LimitPages(s *Store, n int) error {
	s.db.SetMaxOpenConns(1)
	_, err := s.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", n))
	return err
}

// PGText is how a PostgreSQL store keeps text that TEXT refuses.
var PGText = pgText

// SetClock makes s read the time from now (stamps, due relays).
func SetClock(s *Store, now func() time.Time) { s.now = now }
