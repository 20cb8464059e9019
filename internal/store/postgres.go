package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// connectTimeout bounds a connection attempt when the URL and environment leave it open.
const connectTimeout = 10 * time.Second

// IsURL reports whether loc names a PostgreSQL database (postgres://… or postgresql://…) rather
// than a store file.
func IsURL(loc string) bool {
	l := strings.ToLower(strings.TrimSpace(loc))
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// OpenPostgres opens the store kept in the PostgreSQL database at rawURL, shared by every machine
// that opens it, and brings its schema up to date (under an advisory lock, so machines starting at
// once do not race). What the URL leaves out comes from libpq's PG* environment variables and the
// password file (~/.pgpass, PGPASSFILE), so the URL need not hold a password; when it does, no
// message or Path shows it.
func OpenPostgres(ctx context.Context, rawURL string) (*Store, error) {
	shown, secret := Redact(rawURL)
	cfg, err := pgx.ParseConfig(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", shown, hide(err, secret))
	}
	if cfg.ConnectTimeout == 0 {
		// Neither connect_timeout nor PGCONNECT_TIMEOUT: a server that does not answer should
		// not hold a command (or a shell completion) for the system's TCP timeout, minutes.
		cfg.ConnectTimeout = connectTimeout
	}
	if cfg.Password != "" && secret == "" {
		secret = cfg.Password // from PGPASSWORD or the password file: never shown either
	}
	db := stdlib.OpenDB(*cfg)
	s := &Store{path: shown, db: db, d: pgDialect{}, q: pgDialect{}.wrap(db), now: time.Now, ops: newOpLocks(db)}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: cannot use %s: %w", shown, hide(err, secret))
	}
	return s, nil
}

// Redact returns rawURL fit to show (its password replaced by xxxxx, in the user part and in a
// password= parameter) and the password it held ("" for none).
func Redact(rawURL string) (shown, password string) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "postgres://(unreadable URL)", ""
	}
	if pw, ok := u.User.Password(); ok {
		password = pw
	}
	if q := u.Query(); q.Has("password") {
		if password == "" {
			password = q.Get("password")
		}
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted(), password
}

// hide keeps secret out of err's message; errors.Is and As still see err.
func hide(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &hiddenError{err: err, secret: secret}
}

type hiddenError struct {
	err    error
	secret string
}

func (e *hiddenError) Error() string { return strings.ReplaceAll(e.err.Error(), e.secret, "xxxxx") }
func (e *hiddenError) Unwrap() error { return e.err }
