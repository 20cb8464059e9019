package store

import (
	"context"
	"fmt"
)

// migrations is the schema, one step per entry, for both databases. Entry i brings the database
// from version i to version i+1, where the version is SQLite's PRAGMA user_version (0 for a new
// file), or the row of vnum_schema on PostgreSQL. Steps are only ever appended: a released step is
// never edited, because databases in the field already ran it.
//
// The SQL is what both databases accept (pgDialect.ddl turns INTEGER into BIGINT, AUTOINCREMENT
// into an identity column and BLOB into BYTEA; nothing else is translated):
//   - times are INTEGER unix nanoseconds (UTC), NULL for the zero time;
//   - prices are INTEGER micros plus a TEXT currency;
//   - booleans are INTEGER 0/1;
//   - number ids come from AUTOINCREMENT so an id is never handed out twice, even after the row
//     with the highest id has moved to history (history and messages rely on that).
func migrations() []string {
	return []string{
		// 1: numbers, history, messages, ops.
		`CREATE TABLE numbers (
			id               INTEGER PRIMARY KEY AUTOINCREMENT,
			provider         TEXT    NOT NULL,
			carrier_id       TEXT    NOT NULL DEFAULT '',
			e164             TEXT    NOT NULL,
			country          TEXT    NOT NULL DEFAULT '',
			type             TEXT    NOT NULL DEFAULT '',
			voice            INTEGER NOT NULL DEFAULT 0,
			sms              INTEGER NOT NULL DEFAULT 0,
			mms              INTEGER NOT NULL DEFAULT 0,
			label            TEXT    NOT NULL DEFAULT '',
			forward_calls    TEXT    NOT NULL DEFAULT '',
			forward_sms      TEXT    NOT NULL DEFAULT '',
			monthly_micros   INTEGER NOT NULL DEFAULT 0,
			monthly_currency TEXT    NOT NULL DEFAULT '',
			state            TEXT    NOT NULL DEFAULT '',
			managed          INTEGER NOT NULL DEFAULT 0,
			expires_at       INTEGER,
			bought_at        INTEGER,
			updated_at       INTEGER NOT NULL
		);
		-- Partial index: any number of rows may have no label, but a label names one number.
		CREATE UNIQUE INDEX numbers_label ON numbers (label) WHERE label <> '';
		CREATE INDEX numbers_bought ON numbers (bought_at, id);

		-- history.id is the id the number had in numbers (copied, not generated), so messages,
		-- which keep their number_id, still belong to an ended number.
		CREATE TABLE history (
			id               INTEGER PRIMARY KEY,
			provider         TEXT    NOT NULL,
			carrier_id       TEXT    NOT NULL DEFAULT '',
			e164             TEXT    NOT NULL,
			country          TEXT    NOT NULL DEFAULT '',
			type             TEXT    NOT NULL DEFAULT '',
			label            TEXT    NOT NULL DEFAULT '',
			monthly_micros   INTEGER NOT NULL DEFAULT 0,
			monthly_currency TEXT    NOT NULL DEFAULT '',
			bought_at        INTEGER,
			ended_at         INTEGER NOT NULL,
			how              TEXT    NOT NULL,
			replaced_by      TEXT    NOT NULL DEFAULT ''
		);
		CREATE INDEX history_ended ON history (ended_at, id);

		-- No foreign key to numbers: messages outlive the number's move to history.
		CREATE TABLE messages (
			id             INTEGER PRIMARY KEY AUTOINCREMENT,
			number_id      INTEGER NOT NULL,
			carrier_msg_id TEXT    NOT NULL,
			sender         TEXT    NOT NULL DEFAULT '',
			recipient      TEXT    NOT NULL DEFAULT '',
			body           TEXT    NOT NULL DEFAULT '',
			received_at    INTEGER,
			inbound        INTEGER NOT NULL DEFAULT 0,
			withheld       INTEGER NOT NULL DEFAULT 0,
			claimed        INTEGER NOT NULL DEFAULT 0,
			UNIQUE (number_id, carrier_msg_id)
		);
		CREATE INDEX messages_received ON messages (number_id, received_at, id);

		CREATE TABLE ops (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			kind       TEXT    NOT NULL,
			step       TEXT    NOT NULL DEFAULT '',
			provider   TEXT    NOT NULL DEFAULT '',
			number_id  INTEGER NOT NULL DEFAULT 0,
			payload    BLOB,
			owner_pid  INTEGER NOT NULL DEFAULT 0,
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL
		);`,
		// 2: what carriers pushed to vnum serve, once per carrier message id (pushed.go).
		`CREATE TABLE pushed (
			provider       TEXT    NOT NULL,
			carrier_msg_id TEXT    NOT NULL,
			recipient      TEXT    NOT NULL,
			sender         TEXT    NOT NULL DEFAULT '',
			-- body is kept only while nothing else holds the text: a part of a multi-part
			-- message not yet complete, or a message to a number vnum does not hold.
			body           TEXT    NOT NULL DEFAULT '',
			received_at    INTEGER,
			number_id      INTEGER NOT NULL DEFAULT 0,
			concat_ref     TEXT    NOT NULL DEFAULT '',
			concat_part    INTEGER NOT NULL DEFAULT 0,
			concat_total   INTEGER NOT NULL DEFAULT 0,
			pushed_at      INTEGER NOT NULL,
			PRIMARY KEY (provider, carrier_msg_id)
		);
		CREATE INDEX pushed_concat ON pushed (provider, recipient, sender, concat_ref) WHERE concat_ref <> '';`,
		// 3: the host of an operation's owner, so that a pid is only ever checked on its own host.
		`ALTER TABLE ops ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
		CREATE INDEX ops_number ON ops (number_id);`,
		// 4: numbers vnum serve pointed at itself, with the URL each had before (webhooks.go).
		`CREATE TABLE sms_webhooks (
			provider   TEXT    NOT NULL,
			carrier_id TEXT    NOT NULL,
			url        TEXT    NOT NULL,
			previous   TEXT    NOT NULL DEFAULT '',
			set_at     INTEGER NOT NULL,
			PRIMARY KEY (provider, carrier_id)
		);`,
		// 5: SMS relayed by vnum serve for carriers that cannot forward SMS themselves (relay.go):
		// each number's target, and the queue of messages to re-send, one row per inbound message.
		`CREATE TABLE sms_relays (
			number_id  BIGINT NOT NULL PRIMARY KEY,
			target     TEXT   NOT NULL,
			set_at     BIGINT NOT NULL
		);
		CREATE TABLE relay_queue (
			number_id      BIGINT  NOT NULL,
			carrier_msg_id TEXT    NOT NULL,
			provider       TEXT    NOT NULL,
			sender         TEXT    NOT NULL DEFAULT '',
			target         TEXT    NOT NULL,
			-- body is the inbound text, emptied once the relay is settled.
			body           TEXT    NOT NULL DEFAULT '',
			-- queued → sending → queued (next part, retry) | sent | failed | unknown
			state          TEXT    NOT NULL DEFAULT 'queued',
			parts_done     INTEGER NOT NULL DEFAULT 0,
			attempts       INTEGER NOT NULL DEFAULT 0,
			next_at        BIGINT  NOT NULL,
			queued_at      BIGINT  NOT NULL,
			claimed_by     TEXT    NOT NULL DEFAULT '',
			claimed_at     BIGINT  NOT NULL DEFAULT 0,
			sent_ids       TEXT    NOT NULL DEFAULT '',
			error          TEXT    NOT NULL DEFAULT '',
			PRIMARY KEY (number_id, carrier_msg_id)
		);
		CREATE INDEX relay_queue_due ON relay_queue (state, next_at);`,
		// 6: pools of numbers leased to one job at a time (leases.go). Plain SQL both SQLite and
		// PostgreSQL run; claims are conditional writes (ON CONFLICT DO NOTHING, UPDATE … WHERE).
		`CREATE TABLE pool_numbers (
			number_id INTEGER PRIMARY KEY,
			pool      TEXT    NOT NULL,
			added_at  INTEGER NOT NULL
		);
		CREATE INDEX pool_numbers_pool ON pool_numbers (pool, number_id);
		-- One lease per number at a time: the unique index is the claim.
		CREATE TABLE leases (
			id         TEXT    PRIMARY KEY,
			number_id  INTEGER NOT NULL,
			pool       TEXT    NOT NULL,
			host       TEXT    NOT NULL DEFAULT '',
			job        TEXT    NOT NULL DEFAULT '',
			pid        INTEGER NOT NULL DEFAULT 0,
			started_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL
		);
		CREATE UNIQUE INDEX leases_number ON leases (number_id);
		-- The one process of the fleet deciding to buy for a pool; others wait for its number.
		CREATE TABLE pool_claims (
			pool       TEXT    PRIMARY KEY,
			token      TEXT    NOT NULL,
			host       TEXT    NOT NULL DEFAULT '',
			pid        INTEGER NOT NULL DEFAULT 0,
			expires_at INTEGER NOT NULL
		);`,
		// 7: calls (calls.go): each number's block list and voicemail setting, the call log
		// and the voicemails read from the carrier. BIGINT for times and durations, so the
		// same statements fit PostgreSQL.
		`CREATE TABLE call_settings (
			number_id          BIGINT  NOT NULL PRIMARY KEY,
			block_anonymous    INTEGER NOT NULL DEFAULT 0,
			voicemail          TEXT    NOT NULL DEFAULT '',
			voicemail_after_ms BIGINT  NOT NULL DEFAULT 0
		);
		CREATE TABLE blocked_callers (
			number_id BIGINT NOT NULL,
			caller    TEXT   NOT NULL,
			PRIMARY KEY (number_id, caller)
		);
		-- No foreign key to numbers: the log outlives the number's move to history.
		CREATE TABLE calls (
			number_id       BIGINT NOT NULL,
			carrier_call_id TEXT   NOT NULL,
			caller          TEXT   NOT NULL DEFAULT '',
			called          TEXT   NOT NULL DEFAULT '',
			started_at      BIGINT,
			duration_ms     BIGINT NOT NULL DEFAULT 0,
			outcome         TEXT   NOT NULL DEFAULT '',
			PRIMARY KEY (number_id, carrier_call_id)
		);
		CREATE INDEX calls_started ON calls (started_at);
		CREATE TABLE voicemails (
			provider      TEXT   NOT NULL,
			carrier_id    TEXT   NOT NULL,
			number_id     BIGINT NOT NULL,
			call_id       TEXT   NOT NULL DEFAULT '',
			caller        TEXT   NOT NULL DEFAULT '',
			called        TEXT   NOT NULL DEFAULT '',
			received_at   BIGINT,
			duration_ms   BIGINT NOT NULL DEFAULT 0,
			transcription TEXT   NOT NULL DEFAULT '',
			PRIMARY KEY (provider, carrier_id)
		);
		CREATE INDEX voicemails_number ON voicemails (number_id, received_at);`,
		// 8: calls answered by vnum serve (callhooks.go): the numbers whose calls were pointed at
		// serve, with what each had before (recorded before the carrier is changed), the
		// recording URL a carrier's callback named, and the audio serve downloaded.
		`CREATE TABLE call_hooks (
			provider   TEXT    NOT NULL,
			carrier_id TEXT    NOT NULL,
			url        TEXT    NOT NULL,
			previous   TEXT    NOT NULL DEFAULT '',
			set_at     INTEGER NOT NULL,
			PRIMARY KEY (provider, carrier_id)
		);
		CREATE TABLE voicemail_audio (
			provider     TEXT NOT NULL,
			carrier_id   TEXT NOT NULL,
			content_type TEXT NOT NULL DEFAULT '',
			data         BLOB NOT NULL,
			PRIMARY KEY (provider, carrier_id)
		);
		ALTER TABLE voicemails ADD COLUMN recording_url TEXT NOT NULL DEFAULT '';`,
	}
}

// migrate brings the schema up to date. The missing steps run in one transaction that reads the
// version under the dialect's schema lock (SQLite's write lock, an advisory lock on PostgreSQL), so
// several processes, on one machine or many, opening a new store at once apply each step exactly
// once, and a failed step leaves the database at the version it had.
func (s *Store) migrate(ctx context.Context) error {
	steps := migrations()
	// The common case, a store already current, costs one read outside any transaction (on a
	// new PostgreSQL database the read fails: the slow path creates the table).
	if v, err := s.d.currentVersion(ctx, s.q); err == nil {
		if v > len(steps) {
			return s.tooNew(v, len(steps))
		}
		if v == len(steps) {
			return nil
		}
	} else if _, ok := s.d.(sqliteDialect); ok {
		return err
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.d.lockSchema(ctx, tx.q); err != nil {
			return fmt.Errorf("store: lock schema: %w", err)
		}
		v, err := tx.d.schemaVersion(ctx, tx.q)
		if err != nil {
			return err
		}
		if v > len(steps) {
			return s.tooNew(v, len(steps))
		}
		if v == len(steps) {
			return nil
		}
		for i := v; i < len(steps); i++ {
			if _, err := tx.q.ExecContext(ctx, tx.d.ddl(steps[i])); err != nil {
				return fmt.Errorf("store: migrate to version %d: %w", i+1, err)
			}
		}
		return tx.d.setSchemaVersion(ctx, tx.q, len(steps))
	})
}

func (s *Store) tooNew(v, known int) error {
	return fmt.Errorf("store: %s has schema version %d, newer than this vnum supports (%d): upgrade vnum", s.path, v, known)
}
