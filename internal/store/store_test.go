package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/pgtest"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// base is a fixed instant with nanoseconds, so precision losses show.
var base = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

// onPostgres is set for the second pass of the suite (TestMain): the stores it opens are then
// new databases on the test PostgreSQL server.
var onPostgres bool

func TestMain(m *testing.M) { os.Exit(pgtest.Both(m, &onPostgres)) }

// dbPath is where a test's store lives: a new file, or on the second pass a new PostgreSQL
// database. Several openAt on one location are several processes sharing a store.
func dbPath(t testing.TB) string {
	t.Helper()
	if onPostgres {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "data", "vnum", "vnum.db")
}

// sqliteOnly skips, on the PostgreSQL pass, a test of what only a store file has (its modes,
// its damage, its log).
func sqliteOnly(t testing.TB) {
	t.Helper()
	if onPostgres {
		t.Skip("about the SQLite file")
	}
}

func openAt(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	return openAt(t, dbPath(t))
}

func number(e164, label string) store.Number {
	return store.Number{
		Provider:  "sandbox",
		CarrierID: "SB" + e164[1:],
		E164:      e164,
		Country:   "FR",
		Type:      providers.TypeMobile,
		Features:  providers.Features{SMS: true},
		Label:     label,
		Monthly:   providers.Price{Micros: 1_150_000, Currency: "EUR"},
		State:     providers.StateActive,
		Managed:   true,
		BoughtAt:  base,
	}
}

func insert(t *testing.T, s *store.Store, n store.Number) store.Number {
	t.Helper()
	require.NoError(t, s.InsertNumber(t.Context(), &n))
	return n
}

// utc is n as the store returns it: every time in UTC.
func utc(n store.Number) store.Number {
	n.ExpiresAt, n.BoughtAt, n.UpdatedAt = utcTime(n.ExpiresAt), utcTime(n.BoughtAt), utcTime(n.UpdatedAt)
	return n
}

func utcTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func TestNumberRoundTrip(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   store.Number
	}{
		{
			name: "every field set",
			in: store.Number{
				Provider:  "twilio",
				CarrierID: "PN0123456789abcdef",
				E164:      "+33612345678",
				Country:   "FR",
				Type:      providers.TypeTollFree,
				Features:  providers.Features{Voice: true, SMS: true, MMS: true},
				Label:     "shopping",
				Forward:   providers.Forwarding{Calls: "+33699999999", SMS: "+33688888888"},
				Monthly:   providers.Price{Micros: 1_150_000, Currency: "EUR"},
				State:     providers.StatePendingDocuments,
				Managed:   true,
				ExpiresAt: base.Add(72 * time.Hour).In(paris),
				BoughtAt:  base.In(paris),
			},
		},
		{
			name: "zero times, features, forwarding and price",
			in: store.Number{
				Provider: "telnyx",
				E164:     "+14155550100",
				Type:     providers.TypeLocal,
				State:    providers.StatePending,
			},
		},
		{
			name: "voice only, unicode label, price without currency",
			in: store.Number{
				Provider:  "vonage",
				CarrierID: "447700900000",
				E164:      "+447700900000",
				Country:   "GB",
				Type:      providers.TypeNational,
				Features:  providers.Features{Voice: true},
				Label:     "café ☕ 'quoted' \"too\"",
				Forward:   providers.Forwarding{Calls: "+447700900001"},
				Monthly:   providers.Price{Micros: 7500},
				State:     providers.StateFailed,
				ExpiresAt: time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
				BoughtAt:  time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			before := time.Now()
			n := tt.in
			n.ID = 12345 // ignored: the store assigns ids
			require.NoError(t, s.InsertNumber(t.Context(), &n))
			assert.NotEqual(t, int64(12345), n.ID)
			assert.Positive(t, n.ID)
			assert.WithinRange(t, n.UpdatedAt, before.Add(-time.Millisecond), time.Now().Add(time.Millisecond))

			want := utc(tt.in)
			want.ID, want.UpdatedAt = n.ID, n.UpdatedAt

			got, err := s.GetNumber(t.Context(), n.ID)
			require.NoError(t, err)
			assert.Equal(t, want, got)

			list, err := s.ListNumbers(t.Context())
			require.NoError(t, err)
			assert.Equal(t, []store.Number{want}, list)
		})
	}
}

func TestInsertNumberRejectsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*store.Number)
	}{
		{"no provider", func(n *store.Number) { n.Provider = "" }},
		{"no number", func(n *store.Number) { n.E164 = "" }},
		{"bought after 2262", func(n *store.Number) { n.BoughtAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"expires before 1678", func(n *store.Number) { n.ExpiresAt = time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			n := number("+33600000001", "")
			tt.mutate(&n)
			require.Error(t, s.InsertNumber(t.Context(), &n))
			assert.Zero(t, n.ID)
			list, err := s.ListNumbers(t.Context())
			require.NoError(t, err)
			assert.Empty(t, list)
		})
	}
}

func TestUpdateNumber(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", "old"))
	other := insert(t, s, number("+33600000002", "other"))
	firstUpdate := n.UpdatedAt

	n.Provider, n.CarrierID, n.E164, n.Country = "telnyx", "T-1", "+33600000009", "BE"
	n.Type, n.Features = providers.TypeLocal, providers.Features{Voice: true, MMS: true}
	n.Label, n.Forward = "new", providers.Forwarding{Calls: "+33611111111", SMS: "+33622222222"}
	n.Monthly, n.State, n.Managed = providers.Price{Micros: 2_000_000, Currency: "USD"}, providers.StateFailed, false
	n.ExpiresAt, n.BoughtAt = base.Add(time.Hour), base.Add(-time.Hour)
	require.NoError(t, s.UpdateNumber(t.Context(), &n))
	assert.False(t, n.UpdatedAt.Before(firstUpdate))

	got, err := s.GetNumber(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, utc(n), got)

	// The other number is untouched.
	gotOther, err := s.GetNumber(t.Context(), other.ID)
	require.NoError(t, err)
	assert.Equal(t, utc(other), gotOther)

	// Clearing fields clears them.
	n.ExpiresAt, n.Label, n.Forward = time.Time{}, "", providers.Forwarding{}
	require.NoError(t, s.UpdateNumber(t.Context(), &n))
	got, err = s.GetNumber(t.Context(), n.ID)
	require.NoError(t, err)
	assert.True(t, got.ExpiresAt.IsZero())
	assert.Empty(t, got.Label)
	assert.True(t, got.Forward.IsZero())
}

func TestLabels(t *testing.T) {
	t.Run("duplicate label on insert", func(t *testing.T) {
		s := openStore(t)
		insert(t, s, number("+33600000001", "work"))
		n := number("+33600000002", "work")
		err := s.InsertNumber(t.Context(), &n)
		require.ErrorIs(t, err, store.ErrLabelTaken)
		assert.Contains(t, err.Error(), `"work"`)
		list, err := s.ListNumbers(t.Context())
		require.NoError(t, err)
		assert.Len(t, list, 1)
	})
	t.Run("many numbers without a label", func(t *testing.T) {
		s := openStore(t)
		for i := range 3 {
			insert(t, s, number(fmt.Sprintf("+3360000000%d", i), ""))
		}
		list, err := s.ListNumbers(t.Context())
		require.NoError(t, err)
		assert.Len(t, list, 3)
	})
	t.Run("duplicate label on update leaves the row as it was", func(t *testing.T) {
		s := openStore(t)
		insert(t, s, number("+33600000001", "work"))
		n := insert(t, s, number("+33600000002", "home"))
		changed := n
		changed.Label, changed.Country = "work", "DE"
		err := s.UpdateNumber(t.Context(), &changed)
		require.ErrorIs(t, err, store.ErrLabelTaken)
		assert.Contains(t, err.Error(), `"work"`)
		got, err := s.GetNumber(t.Context(), n.ID)
		require.NoError(t, err)
		assert.Equal(t, utc(n), got)
	})
	t.Run("keeping its own label is not a conflict", func(t *testing.T) {
		s := openStore(t)
		n := insert(t, s, number("+33600000001", "work"))
		n.Country = "DE"
		require.NoError(t, s.UpdateNumber(t.Context(), &n))
	})
	t.Run("label of an ended number is free again", func(t *testing.T) {
		s := openStore(t)
		n := insert(t, s, number("+33600000001", "work"))
		_, err := s.EndNumber(t.Context(), n.ID, store.EndReleased, base, "")
		require.NoError(t, err)
		insert(t, s, number("+33600000002", "work"))
	})
}

func TestMissingNumber(t *testing.T) {
	s := openStore(t)
	ended := insert(t, s, number("+33600000001", ""))
	_, err := s.EndNumber(t.Context(), ended.ID, store.EndReleased, base, "")
	require.NoError(t, err)

	for _, id := range []int64{ended.ID, 999} {
		t.Run(strconv.FormatInt(id, 10), func(t *testing.T) {
			_, err := s.GetNumber(t.Context(), id)
			require.ErrorIs(t, err, store.ErrNotFound)

			n := number("+33600000002", "")
			n.ID = id
			require.ErrorIs(t, s.UpdateNumber(t.Context(), &n), store.ErrNotFound)

			_, err = s.EndNumber(t.Context(), id, store.EndReleased, base, "")
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	}
	// Nothing was created by the failed update or end.
	list, err := s.ListNumbers(t.Context())
	require.NoError(t, err)
	assert.Empty(t, list)
	hist, err := s.ListHistory(t.Context())
	require.NoError(t, err)
	assert.Len(t, hist, 1)
}

func inbound(id string, at time.Time, from string) providers.Message {
	return providers.Message{ID: id, From: from, To: "+33600000001", Text: "code " + id, ReceivedAt: at, Inbound: true}
}

func TestEndNumber(t *testing.T) {
	tests := []struct {
		how          string
		replacedBy   string
		keepMessages bool
	}{
		{how: store.EndReleased, keepMessages: true},
		{how: store.EndRotated, replacedBy: "+33600000099", keepMessages: true},
		{how: store.EndBurned, keepMessages: false},
		{how: store.EndExpired, keepMessages: true},
		{how: store.EndVanished, keepMessages: true},
	}
	for _, tt := range tests {
		t.Run(tt.how, func(t *testing.T) {
			s := openStore(t)
			n := insert(t, s, number("+33600000001", "shop"))
			keep := insert(t, s, number("+33600000002", "keep"))
			_, err := s.AddMessages(t.Context(), n.ID, []providers.Message{inbound("m1", base, "+1"), inbound("m2", base, "+1")})
			require.NoError(t, err)
			_, err = s.AddMessages(t.Context(), keep.ID, []providers.Message{inbound("k1", base, "+1")})
			require.NoError(t, err)

			at := base.Add(24 * time.Hour)
			h, err := s.EndNumber(t.Context(), n.ID, tt.how, at, tt.replacedBy)
			require.NoError(t, err)
			want := store.HistoryEntry{
				ID: n.ID, Provider: n.Provider, CarrierID: n.CarrierID, E164: n.E164, Country: n.Country,
				Type: n.Type, Label: n.Label, Monthly: n.Monthly, BoughtAt: n.BoughtAt, EndedAt: at,
				How: tt.how, ReplacedBy: tt.replacedBy,
			}
			assert.Equal(t, want, h)

			hist, err := s.ListHistory(t.Context())
			require.NoError(t, err)
			assert.Equal(t, []store.HistoryEntry{want}, hist)

			_, err = s.GetNumber(t.Context(), n.ID)
			require.ErrorIs(t, err, store.ErrNotFound)
			list, err := s.ListNumbers(t.Context())
			require.NoError(t, err)
			assert.Equal(t, []store.Number{utc(keep)}, list)

			msgs, err := s.ListMessages(t.Context(), n.ID, time.Time{})
			require.NoError(t, err)
			if tt.keepMessages {
				assert.Len(t, msgs, 2)
			} else {
				assert.Empty(t, msgs)
			}
			// Another number's messages are never touched.
			other, err := s.ListMessages(t.Context(), keep.ID, time.Time{})
			require.NoError(t, err)
			assert.Len(t, other, 1)
		})
	}
}

func TestEndNumberRejectsUnknownHow(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", ""))
	_, err := s.EndNumber(t.Context(), n.ID, "lost", base, "")
	require.Error(t, err)
	_, err = s.GetNumber(t.Context(), n.ID)
	require.NoError(t, err, "the number must still be held")
}

func TestEndNumberZeroTimeMeansNow(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", ""))
	before := time.Now()
	h, err := s.EndNumber(t.Context(), n.ID, store.EndExpired, time.Time{}, "")
	require.NoError(t, err)
	assert.WithinRange(t, h.EndedAt, before.Add(-time.Millisecond), time.Now().Add(time.Millisecond))
}

func TestIDsNeverReused(t *testing.T) {
	path := dbPath(t)
	s := openAt(t, path)
	a := insert(t, s, number("+33600000001", ""))
	b := insert(t, s, number("+33600000002", ""))
	require.Greater(t, b.ID, a.ID)
	// End the number with the highest id: a plain rowid table would hand that id out again.
	_, err := s.EndNumber(t.Context(), b.ID, store.EndBurned, base, "")
	require.NoError(t, err)
	c := insert(t, s, number("+33600000003", ""))
	assert.Greater(t, c.ID, b.ID)

	// Also across processes: reopen and end everything.
	require.NoError(t, s.Close())
	s = openAt(t, path)
	for _, id := range []int64{a.ID, c.ID} {
		_, err := s.EndNumber(t.Context(), id, store.EndReleased, base, "")
		require.NoError(t, err)
	}
	d := insert(t, s, number("+33600000004", ""))
	assert.Greater(t, d.ID, c.ID)
}

func TestListNumbersOrder(t *testing.T) {
	s := openStore(t)
	bought := []time.Time{base.Add(2 * time.Hour), {}, base.Add(time.Hour), base.Add(time.Hour), base}
	ids := make([]int64, len(bought))
	for i, at := range bought {
		n := number(fmt.Sprintf("+3360000000%d", i), "")
		n.BoughtAt = at
		ids[i] = insert(t, s, n).ID
	}
	list, err := s.ListNumbers(t.Context())
	require.NoError(t, err)
	got := make([]int64, len(list))
	for i, n := range list {
		got[i] = n.ID
	}
	// Unknown purchase time first, then by time, ties by id.
	assert.Equal(t, []int64{ids[1], ids[4], ids[2], ids[3], ids[0]}, got)
}

func TestNumberProviders(t *testing.T) {
	s := openStore(t)
	got, err := s.NumberProviders(t.Context())
	require.NoError(t, err)
	assert.Empty(t, got)
	for i, p := range []string{"twilio", "sandbox", "twilio"} {
		n := number(fmt.Sprintf("+3360000001%d", i), "")
		n.Provider = p
		insert(t, s, n)
	}
	got, err = s.NumberProviders(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"sandbox", "twilio"}, got)
}

func TestListHistoryOrder(t *testing.T) {
	s := openStore(t)
	ended := []time.Time{base.Add(3 * time.Hour), base.Add(time.Hour), base.Add(3 * time.Hour), base}
	ids := make([]int64, len(ended))
	for i := range ended {
		ids[i] = insert(t, s, number(fmt.Sprintf("+3360000000%d", i), "")).ID
	}
	// End them in reverse id order so that neither id nor call order matches EndedAt order.
	for i := len(ended) - 1; i >= 0; i-- {
		_, err := s.EndNumber(t.Context(), ids[i], store.EndReleased, ended[i], "")
		require.NoError(t, err)
	}
	hist, err := s.ListHistory(t.Context())
	require.NoError(t, err)
	got := make([]int64, len(hist))
	for i, h := range hist {
		got[i] = h.ID
	}
	assert.Equal(t, []int64{ids[3], ids[1], ids[0], ids[2]}, got)
}

var errBoom = errors.New("boom")

func TestInTx(t *testing.T) {
	tests := []struct {
		name      string
		fn        func(t *testing.T, tx *store.Store) error
		wantErr   error
		wantE164s []string
	}{
		{
			name: "commit keeps every write",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", ""))
				insert(t, tx, number("+33600000002", ""))
				return nil
			},
			wantE164s: []string{"+33600000001", "+33600000002"},
		},
		{
			name: "error keeps nothing",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", ""))
				return errBoom
			},
			wantErr: errBoom,
		},
		{
			name: "a store error inside rolls back earlier writes",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", "dup"))
				n := number("+33600000002", "dup")
				return tx.InsertNumber(t.Context(), &n)
			},
			wantErr: store.ErrLabelTaken,
		},
		{
			name: "nested commits with the outer transaction",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", ""))
				return tx.InTx(t.Context(), func(inner *store.Store) error {
					insert(t, inner, number("+33600000002", ""))
					return nil
				})
			},
			wantE164s: []string{"+33600000001", "+33600000002"},
		},
		{
			name: "outer error undoes a nested success",
			fn: func(t *testing.T, tx *store.Store) error {
				require.NoError(t, tx.InTx(t.Context(), func(inner *store.Store) error {
					insert(t, inner, number("+33600000002", ""))
					return nil
				}))
				return errBoom
			},
			wantErr: errBoom,
		},
		{
			name: "nested error handled by the caller undoes only the nested writes",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", ""))
				err := tx.InTx(t.Context(), func(inner *store.Store) error {
					insert(t, inner, number("+33600000002", ""))
					return errBoom
				})
				require.ErrorIs(t, err, errBoom)
				insert(t, tx, number("+33600000003", ""))
				return nil
			},
			wantE164s: []string{"+33600000001", "+33600000003"},
		},
		{
			name: "nested error returned undoes everything",
			fn: func(t *testing.T, tx *store.Store) error {
				insert(t, tx, number("+33600000001", ""))
				return tx.InTx(t.Context(), func(inner *store.Store) error {
					return inner.InTx(t.Context(), func(inner2 *store.Store) error {
						insert(t, inner2, number("+33600000002", ""))
						return errBoom
					})
				})
			},
			wantErr: errBoom,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			err := s.InTx(t.Context(), func(tx *store.Store) error { return tt.fn(t, tx) })
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			list, err := s.ListNumbers(t.Context())
			require.NoError(t, err)
			var got []string
			for _, n := range list {
				got = append(got, n.E164)
			}
			assert.Equal(t, tt.wantE164s, got)
		})
	}
}

func TestInTxIsolation(t *testing.T) {
	path := dbPath(t)
	s := openAt(t, path)
	other := openAt(t, path)
	err := s.InTx(t.Context(), func(tx *store.Store) error {
		insert(t, tx, number("+33600000001", ""))
		// Another process reads the last committed state, not our pending write.
		list, err := other.ListNumbers(t.Context())
		require.NoError(t, err)
		assert.Empty(t, list)
		// The transaction sees its own write.
		list, err = tx.ListNumbers(t.Context())
		require.NoError(t, err)
		assert.Len(t, list, 1)
		return nil
	})
	require.NoError(t, err)
	list, err := other.ListNumbers(t.Context())
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func TestInTxPanicRollsBack(t *testing.T) {
	s := openStore(t)
	assert.Panics(t, func() {
		_ = s.InTx(t.Context(), func(tx *store.Store) error {
			insert(t, tx, number("+33600000001", ""))
			panic("bug")
		})
	})
	list, err := s.ListNumbers(t.Context())
	require.NoError(t, err)
	assert.Empty(t, list)
	// The store is still usable: the transaction's lock was released.
	insert(t, s, number("+33600000002", ""))
}

func TestCloseInsideTxFails(t *testing.T) {
	s := openStore(t)
	require.NoError(t, s.InTx(t.Context(), func(tx *store.Store) error {
		assert.Error(t, tx.Close())
		return nil
	}))
	insert(t, s, number("+33600000001", ""))
}

func TestAddMessages(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", ""))
	other := insert(t, s, number("+33600000002", ""))

	added, err := s.AddMessages(t.Context(), n.ID, []providers.Message{
		inbound("b", base.Add(2*time.Minute), "+1"),
		inbound("a", base.Add(time.Minute), "+1"),
	})
	require.NoError(t, err)
	assert.Equal(t, 2, added)

	// Claim "a", then poll again with the same messages: no duplicate, and "a" stays claimed.
	m, ok, err := s.ClaimMessage(t.Context(), n.ID, time.Time{}, "")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "a", m.Message.ID)

	sent := providers.Message{ID: "c", From: "+33600000001", To: "+1", Text: "hi", ReceivedAt: base.Add(3 * time.Minute)}
	withheld := providers.Message{ID: "d", From: "Google", To: "+33600000001", ReceivedAt: base.Add(4 * time.Minute), Inbound: true, Withheld: true}
	added, err = s.AddMessages(t.Context(), n.ID, []providers.Message{
		inbound("a", base.Add(time.Minute), "+1"), inbound("b", base.Add(2*time.Minute), "+1"), sent, withheld,
	})
	require.NoError(t, err)
	assert.Equal(t, 2, added)

	// The same carrier id on another number is another message.
	added, err = s.AddMessages(t.Context(), other.ID, []providers.Message{inbound("a", base, "+1")})
	require.NoError(t, err)
	assert.Equal(t, 1, added)

	msgs, err := s.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, msgs, 4)
	wantA := inbound("a", base.Add(time.Minute), "+1")
	assert.Equal(t, store.Message{ID: msgs[0].ID, NumberID: n.ID, Message: wantA, Claimed: true}, msgs[0])
	assert.Equal(t, store.Message{ID: msgs[2].ID, NumberID: n.ID, Message: sent}, msgs[2])
	assert.Equal(t, store.Message{ID: msgs[3].ID, NumberID: n.ID, Message: withheld}, msgs[3])
	var order []string
	for _, m := range msgs {
		order = append(order, m.Message.ID)
	}
	assert.Equal(t, []string{"a", "b", "c", "d"}, order)

	since, err := s.ListMessages(t.Context(), n.ID, base.Add(2*time.Minute))
	require.NoError(t, err)
	require.Len(t, since, 3)
	assert.Equal(t, "b", since[0].Message.ID, "since is inclusive")
}

func TestAddMessagesWithoutCarrierIDAddsNothing(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", ""))
	_, err := s.AddMessages(t.Context(), n.ID, []providers.Message{inbound("a", base, "+1"), inbound("", base, "+1")})
	require.Error(t, err)
	msgs, err := s.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	assert.Empty(t, msgs, "the batch is all or nothing")
}

func TestClaimMessage(t *testing.T) {
	type claim struct {
		notBefore time.Time
		from      string
		want      string // carrier id, "" for none
	}
	tests := []struct {
		name   string
		claims []claim
	}{
		{
			name: "oldest inbound first, each once",
			claims: []claim{
				{want: "a1"}, {want: "b2"}, {want: "a3"}, {want: "n4"}, {want: ""}, {want: ""},
			},
		},
		{
			name: "not before is inclusive",
			claims: []claim{
				{notBefore: base.Add(2 * time.Minute), want: "b2"},
				{notBefore: base.Add(2 * time.Minute), want: "a3"},
				{want: "a1"},
			},
		},
		{
			name: "from filter",
			claims: []claim{
				{from: "+2", want: "b2"}, {from: "+2", want: ""}, {from: "+1", want: "a1"},
				{from: "+1", notBefore: base.Add(time.Minute), want: "a3"}, {from: "+9", want: ""},
			},
		},
		{
			name:   "nothing after the newest message",
			claims: []claim{{notBefore: base.Add(time.Hour), want: ""}, {want: "a1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			n := insert(t, s, number("+33600000001", ""))
			other := insert(t, s, number("+33600000002", ""))
			out := providers.Message{ID: "o0", From: "+33600000001", To: "+1", ReceivedAt: base.Add(-time.Hour)}
			_, err := s.AddMessages(t.Context(), n.ID, []providers.Message{
				inbound("a3", base.Add(3*time.Minute), "+1"),
				out, // outbound, oldest: never claimed
				inbound("a1", base.Add(time.Minute), "+1"),
				inbound("b2", base.Add(2*time.Minute), "+2"),
				inbound("n4", base.Add(10*time.Minute), "+3"),
			})
			require.NoError(t, err)
			// Another number's older message is never returned.
			_, err = s.AddMessages(t.Context(), other.ID, []providers.Message{inbound("x0", base, "+1")})
			require.NoError(t, err)

			for i, c := range tt.claims {
				m, ok, err := s.ClaimMessage(t.Context(), n.ID, c.notBefore, c.from)
				require.NoError(t, err)
				if c.want == "" {
					assert.False(t, ok, "claim %d got %q", i, m.Message.ID)
					continue
				}
				require.True(t, ok, "claim %d", i)
				assert.Equal(t, c.want, m.Message.ID, "claim %d", i)
				assert.True(t, m.Claimed)
				assert.Equal(t, n.ID, m.NumberID)
			}
		})
	}
}

// A message a wait could not hand over is given back: the next wait returns it, once.
func TestUnclaimMessage(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33600000001", ""))
	_, err := s.AddMessages(t.Context(), n.ID, []providers.Message{
		inbound("a1", base.Add(time.Minute), "+1"), inbound("a2", base.Add(2*time.Minute), "+1")})
	require.NoError(t, err)
	m, ok, err := s.ClaimMessage(t.Context(), n.ID, time.Time{}, "")
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.UnclaimMessage(t.Context(), m.ID))
	for _, want := range []string{"a1", "a2"} {
		again, ok, err := s.ClaimMessage(t.Context(), n.ID, time.Time{}, "")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, want, again.Message.ID)
	}
	_, ok, err = s.ClaimMessage(t.Context(), n.ID, time.Time{}, "")
	require.NoError(t, err)
	assert.False(t, ok, "given back once, returned once")
}

func TestClaimMessageConcurrent(t *testing.T) {
	const stores, messages = 4, 40
	path := dbPath(t)
	s := openAt(t, path)
	n := insert(t, s, number("+33600000001", ""))
	var msgs []providers.Message
	for i := range messages {
		msgs = append(msgs, inbound(fmt.Sprintf("m%02d", i), base.Add(time.Duration(i)*time.Second), "+1"))
	}
	_, err := s.AddMessages(t.Context(), n.ID, msgs)
	require.NoError(t, err)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		claimed []string
	)
	for range stores {
		claimer := openAt(t, path) // each its own connection pool, as separate processes have
		wg.Go(func() {
			for {
				m, ok, err := claimer.ClaimMessage(t.Context(), n.ID, time.Time{}, "")
				if !assert.NoError(t, err) || !ok {
					return
				}
				mu.Lock()
				claimed = append(claimed, m.Message.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Strings(claimed)
	var want []string
	for _, m := range msgs {
		want = append(want, m.ID)
	}
	assert.Equal(t, want, claimed, "every message claimed exactly once")
}

func TestOps(t *testing.T) {
	s := openStore(t)
	before := time.Now()
	buy := store.Op{Kind: "buy", Step: "started", Provider: "twilio", Payload: []byte(`{"number":"+1"}`), OwnerPID: 100}
	require.NoError(t, s.BeginOp(t.Context(), &buy))
	assert.Positive(t, buy.ID)
	assert.WithinRange(t, buy.CreatedAt, before.Add(-time.Millisecond), time.Now().Add(time.Millisecond))
	assert.Equal(t, buy.CreatedAt, buy.UpdatedAt)

	release := store.Op{Kind: "release", Provider: "sandbox", NumberID: 7, OwnerPID: 200}
	require.NoError(t, s.BeginOp(t.Context(), &release))
	assert.Greater(t, release.ID, buy.ID)

	ops, err := s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.Op{buy, release}, ops)

	buy.Step, buy.NumberID, buy.Payload, buy.OwnerPID = "bought", 42, []byte(`{"id":"PN1"}`), 300
	require.NoError(t, s.UpdateOp(t.Context(), &buy))
	assert.False(t, buy.UpdatedAt.Before(buy.CreatedAt))
	ops, err = s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.Op{buy, release}, ops)

	require.NoError(t, s.FinishOp(t.Context(), buy.ID))
	ops, err = s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.Op{release}, ops)

	require.ErrorIs(t, s.FinishOp(t.Context(), buy.ID), store.ErrNotFound)
	require.ErrorIs(t, s.UpdateOp(t.Context(), &buy), store.ErrNotFound)
	require.Error(t, s.BeginOp(t.Context(), &store.Op{}), "an op needs a kind")
}

func TestClaimOp(t *testing.T) {
	tests := []struct {
		name      string
		from, to  int
		want      bool
		wantOwner int
	}{
		{name: "owner matches", from: 100, to: 200, want: true, wantOwner: 200},
		{name: "owner changed meanwhile", from: 999, to: 200, want: false, wantOwner: 100},
		{name: "claim for the same process", from: 100, to: 100, want: true, wantOwner: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			op := store.Op{Kind: "buy", OwnerPID: 100}
			require.NoError(t, s.BeginOp(t.Context(), &op))
			ok, err := s.ClaimOp(t.Context(), op.ID, tt.from, tt.to)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ok)
			ops, err := s.ListOps(t.Context())
			require.NoError(t, err)
			require.Len(t, ops, 1)
			assert.Equal(t, tt.wantOwner, ops[0].OwnerPID)
		})
	}
	t.Run("missing op", func(t *testing.T) {
		s := openStore(t)
		ok, err := s.ClaimOp(t.Context(), 42, 0, 1)
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestClaimOpConcurrent(t *testing.T) {
	path := dbPath(t)
	s := openAt(t, path)
	owner := openAt(t, path)
	op := store.Op{Kind: "rotate", OwnerPID: 1}
	require.NoError(t, owner.BeginOp(t.Context(), &op))
	require.NoError(t, owner.Close()) // process 1 died (on PostgreSQL its lock went with it)

	const claimers = 6
	var (
		wg  sync.WaitGroup
		won = make(chan int, claimers)
	)
	for pid := 2; pid < 2+claimers; pid++ {
		c := openAt(t, path)
		wg.Go(func() {
			ok, err := c.ClaimOp(t.Context(), op.ID, 1, pid)
			assert.NoError(t, err)
			if ok {
				won <- pid
			}
		})
	}
	wg.Wait()
	close(won)
	var winners []int
	for pid := range won {
		winners = append(winners, pid)
	}
	require.Len(t, winners, 1, "exactly one process resumes the operation")
	ops, err := s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Equal(t, winners[0], ops[0].OwnerPID)
}

func TestReopenKeepsData(t *testing.T) {
	path := dbPath(t)
	s, err := store.Open(path)
	require.NoError(t, err)
	assert.Equal(t, path, s.Path())
	held := insert(t, s, number("+33600000001", "keep"))
	gone := insert(t, s, number("+33600000002", ""))
	_, err = s.AddMessages(t.Context(), held.ID, []providers.Message{inbound("m1", base, "+1")})
	require.NoError(t, err)
	h, err := s.EndNumber(t.Context(), gone.ID, store.EndRotated, base, "+33600000001")
	require.NoError(t, err)
	op := store.Op{Kind: "buy", Payload: []byte("{}"), OwnerPID: 1}
	require.NoError(t, s.BeginOp(t.Context(), &op))
	require.NoError(t, s.Close())

	s = openAt(t, path)
	list, err := s.ListNumbers(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.Number{utc(held)}, list)
	hist, err := s.ListHistory(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.HistoryEntry{h}, hist)
	msgs, err := s.ListMessages(t.Context(), held.ID, time.Time{})
	require.NoError(t, err)
	assert.Len(t, msgs, 1)
	ops, err := s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []store.Op{op}, ops)
}

func TestConcurrentWriters(t *testing.T) {
	const writers, rounds = 5, 8
	path := dbPath(t)
	// Every writer opens the new file itself, as five `vnum number buy` started together would:
	// creation and migration race too.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			s, err := store.Open(path)
			if !assert.NoError(t, err) {
				return
			}
			defer s.Close()
			ctx := t.Context()
			for r := range rounds {
				op := store.Op{Kind: "buy", Step: "started", OwnerPID: 1000 + w}
				if !assert.NoError(t, s.BeginOp(ctx, &op)) {
					return
				}
				n := number(fmt.Sprintf("+336%02d%06d", w, r), fmt.Sprintf("w%d-r%d", w, r))
				err := s.InTx(ctx, func(tx *store.Store) error {
					if err := tx.InsertNumber(ctx, &n); err != nil {
						return err
					}
					op.Step, op.NumberID = "bought", n.ID
					return tx.UpdateOp(ctx, &op)
				})
				if !assert.NoError(t, err) {
					return
				}
				n.State = providers.StatePending
				assert.NoError(t, s.UpdateNumber(ctx, &n))
				_, err = s.AddMessages(ctx, n.ID, []providers.Message{inbound("m", base, "+1")})
				assert.NoError(t, err)
				_, ok, err := s.ClaimMessage(ctx, n.ID, time.Time{}, "")
				assert.NoError(t, err)
				assert.True(t, ok)
				ok, err = s.ClaimOp(ctx, op.ID, op.OwnerPID, op.OwnerPID)
				assert.NoError(t, err)
				assert.True(t, ok)
				assert.NoError(t, s.FinishOp(ctx, op.ID))
			}
		})
	}
	wg.Wait()

	s := openAt(t, path)
	list, err := s.ListNumbers(t.Context())
	require.NoError(t, err)
	assert.Len(t, list, writers*rounds)
	seen := map[int64]bool{}
	for _, n := range list {
		assert.False(t, seen[n.ID], "id %d handed out twice", n.ID)
		seen[n.ID] = true
		assert.Equal(t, providers.StatePending, n.State)
	}
	ops, err := s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Empty(t, ops)
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	sqliteOnly(t)
	path := dbPath(t)
	s, err := store.Open(path)
	require.NoError(t, err)
	n := number("+33600000001", "")
	require.NoError(t, s.InsertNumber(t.Context(), &n))
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), "PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = store.Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer")
}

func TestOpenUsesWAL(t *testing.T) {
	sqliteOnly(t)
	// WAL lets `vnum list` read while another vnum writes; it is a property of the file.
	path := dbPath(t)
	s := openAt(t, path)
	insert(t, s, number("+33600000001", ""))

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var mode string
	require.NoError(t, db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
}

func TestOpenErrors(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(notDir, []byte("x"), 0o600))
	garbage := filepath.Join(dir, "garbage.db")
	require.NoError(t, os.WriteFile(garbage, []byte("this is not an SQLite database, not at all....."), 0o600))

	for name, path := range map[string]string{
		"empty path":       "",
		"parent is a file": filepath.Join(notDir, "vnum.db"),
		"not a database":   garbage,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := store.Open(path)
			require.Error(t, err)
		})
	}
}

func TestOpenOddPath(t *testing.T) {
	sqliteOnly(t)
	// Characters that mean something in a URI must reach the file system as they are.
	path := filepath.Join(t.TempDir(), "odd ?#%dir", "v?n#u%m.db")
	s := openAt(t, path)
	insert(t, s, number("+33600000001", ""))
	_, err := os.Stat(path)
	require.NoError(t, err)
}

func FuzzNumberRoundTrip(f *testing.F) {
	f.Add("+33612345678", "PN1", "work", "+33699999999", "EUR", int64(1_150_000))
	f.Add("", "", "", "", "", int64(0))
	f.Add("+1\x00555", "id\xff", "l'a\"b%_", "\u202e", "€", int64(-1))
	s := openStore(f)
	f.Fuzz(func(t *testing.T, e164, carrierID, label, forward, currency string, micros int64) {
		in := store.Number{
			Provider: "sandbox", CarrierID: carrierID, E164: "+" + e164, Label: label,
			Forward: providers.Forwarding{Calls: forward, SMS: forward},
			Monthly: providers.Price{Micros: micros, Currency: currency},
		}
		n := in
		require.NoError(t, s.InsertNumber(t.Context(), &n))
		got, err := s.GetNumber(t.Context(), n.ID)
		require.NoError(t, err)
		in.ID, in.UpdatedAt = n.ID, n.UpdatedAt
		if onPostgres { // TEXT holds UTF-8 without NUL: anything else comes back as U+FFFD
			for _, f := range []*string{&in.CarrierID, &in.E164, &in.Label, &in.Forward.Calls, &in.Forward.SMS, &in.Monthly.Currency} {
				*f = store.PGText(*f)
			}
		}
		assert.Equal(t, in, got)
		// Free the label for the next input.
		_, err = s.EndNumber(t.Context(), n.ID, store.EndReleased, base, "")
		require.NoError(t, err)
	})
}

// BenchmarkListNumbers1000 is what `vnum list` costs the store over 1,000 numbers: open a warm
// database, list, close. The budget for the whole command is 100 ms.
func BenchmarkListNumbers1000(b *testing.B) {
	path := dbPath(b)
	s, err := store.Open(path)
	require.NoError(b, err)
	require.NoError(b, s.InTx(b.Context(), func(tx *store.Store) error {
		for i := range 1000 {
			n := number(fmt.Sprintf("+3361%07d", i), fmt.Sprintf("label-%d", i))
			n.ExpiresAt = base.Add(time.Duration(i) * time.Hour)
			if err := tx.InsertNumber(b.Context(), &n); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(b, s.Close())

	for b.Loop() {
		s, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		list, err := s.ListNumbers(b.Context())
		if err != nil || len(list) != 1000 {
			b.Fatalf("list: %d numbers, %v", len(list), err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenWarm is the store's share of every vnum start-up (budget: 15 ms in all).
func BenchmarkOpenWarm(b *testing.B) {
	path := dbPath(b)
	s, err := store.Open(path)
	require.NoError(b, err)
	require.NoError(b, s.Close())
	for b.Loop() {
		s, err := store.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// A file that is not a store is named, with what to do, rather than a bare SQLite code.
func TestOpenDamagedFile(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "vnum.db")
	require.NoError(t, os.WriteFile(path, []byte("this is not a database, just some text that is long enough"), 0o600))
	_, err := store.Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "move it aside")
}

func TestBeginNumberOpClaimsTheNumber(t *testing.T) {
	path := dbPath(t)
	s, other := openAt(t, path), openAt(t, path)
	n := insert(t, s, number("+33612345671", "pr"))

	first := store.Op{Kind: "rotate", NumberID: n.ID, OwnerPID: 100, OwnerHost: "box"}
	require.NoError(t, s.BeginNumberOp(t.Context(), &first))
	second := store.Op{Kind: "release", NumberID: n.ID, OwnerPID: 200}
	err := other.BeginNumberOp(t.Context(), &second)
	require.ErrorIs(t, err, store.ErrBusy)
	var be *store.BusyError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "rotate", be.Op.Kind)
	assert.Equal(t, 100, be.Op.OwnerPID)
	assert.Equal(t, "box", be.Op.OwnerHost)
	// NumberFree tells the same without claiming.
	err = other.NumberFree(t.Context(), n.ID)
	require.ErrorAs(t, err, &be)
	assert.Equal(t, first.ID, be.Op.ID)

	// Finished, the claim is gone; a number no longer stored cannot be claimed.
	require.NoError(t, s.FinishOp(t.Context(), first.ID))
	require.NoError(t, other.NumberFree(t.Context(), n.ID))
	require.NoError(t, other.BeginNumberOp(t.Context(), &second))
	require.NoError(t, s.FinishOp(t.Context(), second.ID))
	_, err = s.EndNumber(t.Context(), n.ID, store.EndReleased, base, "")
	require.NoError(t, err)
	require.ErrorIs(t, s.BeginNumberOp(t.Context(), &store.Op{Kind: "release", NumberID: n.ID}), store.ErrNotFound)
	require.ErrorIs(t, s.NumberFree(t.Context(), n.ID), store.ErrNotFound)
	ops, err := s.ListOps(t.Context())
	require.NoError(t, err)
	assert.Empty(t, ops)
}

func TestBeginNumberOpConcurrentOneWins(t *testing.T) {
	path := dbPath(t)
	s := openAt(t, path)
	n := insert(t, s, number("+33612345671", "pr"))
	const workers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, busy := 0, 0
	for w := range workers {
		c := openAt(t, path)
		wg.Go(func() {
			err := c.BeginNumberOp(t.Context(), &store.Op{Kind: "rotate", NumberID: n.ID, OwnerPID: 1000 + w})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrBusy):
				busy++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, won)
	assert.Equal(t, workers-1, busy)
}

// An empty vnum.db (a full disk, a bad copy) is refused like any damaged store, not taken for a
// new one: that would forget every number, expiry and history entry without a word.
func TestOpenEmptyFileIsDamaged(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "vnum.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := store.Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+" is damaged")
	assert.Contains(t, err.Error(), "move it aside")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, fi.Size(), "left as it was, for the user to look at")
}

// A full disk is said in the user's words, naming the directory, not as bare SQLite text.
func TestExplainFullDisk(t *testing.T) {
	sqliteOnly(t)
	path := dbPath(t)
	s := openAt(t, path)
	require.NoError(t, store.LimitPages(s, 12))
	var err error
	for i := range 5000 {
		n := number(fmt.Sprintf("+336%08d", i), "")
		if err = s.InsertNumber(t.Context(), &n); err != nil {
			break
		}
	}
	require.Error(t, err, "the store never filled up")
	got := store.Explain(err, func() string { return path }).Error()
	assert.Contains(t, got, "the disk holding "+filepath.Dir(path)+" is full")
	assert.Contains(t, got, "free some space")
	other := errors.New("something else")
	assert.Equal(t, other, store.Explain(other, func() string { panic("looked for the store's file for another error") }))
}

// A store whose damage shows only when a table is read (its numbers' page garbled) is said to be
// damaged, with what to do, as one refused at opening is, not as bare SQLite text.
func TestExplainDamagedPage(t *testing.T) {
	sqliteOnly(t)
	path := dbPath(t)
	s, err := store.Open(path)
	require.NoError(t, err)
	n := number("+33612345678", "shop")
	require.NoError(t, s.InsertNumber(t.Context(), &n))
	require.NoError(t, s.Close())
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(bytes.Repeat([]byte{0xff}, 4096), 4096) // page 2: the numbers table, made first
	require.NoError(t, err)
	require.NoError(t, f.Close())

	s = openAt(t, path)
	_, err = s.ListNumbers(t.Context())
	require.Error(t, err, "the garbled page went unnoticed")
	got := store.Explain(err, func() string { return path }).Error()
	assert.Contains(t, got, path+" is damaged or not a vnum store")
	assert.Contains(t, got, "move it aside")
}

// Burned means gone: the messages EndNumber deletes for a burn are in no byte of the store's
// files once Scrub has run, while the store is still open (so the log is not simply deleted).
func TestBurnLeavesNoTrace(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vnum.db")
	s := openAt(t, path)
	n := insert(t, s, number("+33600000001", "gone"))
	const secret = "zebra-quartz-7731 is your code"
	_, err := s.AddMessages(ctx, n.ID, []providers.Message{{ID: "SM1", From: "Bank", To: n.E164, Text: secret,
		ReceivedAt: time.Now(), Inbound: true}})
	require.NoError(t, err)
	grep := func() int {
		c := 0
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			b, err := os.ReadFile(p)
			if err == nil {
				c += bytes.Count(b, []byte(secret))
			}
		}
		return c
	}
	require.NotZero(t, grep(), "the message should be in the files before the burn")
	_, err = s.EndNumber(ctx, n.ID, store.EndBurned, time.Time{}, "")
	require.NoError(t, err)
	require.NoError(t, s.Scrub(ctx))
	assert.Zero(t, grep(), "the burned message is still in the files")
}
