package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// record is everything a store holds, as its API reads it back.
type record struct {
	Numbers  []store.Number
	History  []store.HistoryEntry
	Messages map[int64][]store.Message
	Ops      []store.Op
	Webhooks []store.SMSWebhook
}

func readRecord(t *testing.T, s *store.Store) record {
	t.Helper()
	ctx := t.Context()
	var r record
	var err error
	r.Numbers, err = s.ListNumbers(ctx)
	require.NoError(t, err)
	r.History, err = s.ListHistory(ctx)
	require.NoError(t, err)
	r.Messages = map[int64][]store.Message{}
	for _, id := range []int64{1, 2, 3, 4} {
		r.Messages[id], err = s.ListMessages(ctx, id, time.Time{})
		require.NoError(t, err)
	}
	r.Ops, err = s.ListOps(ctx)
	require.NoError(t, err)
	r.Webhooks, err = s.ListSMSWebhooks(ctx)
	require.NoError(t, err)
	return r
}

// fill gives s one of everything: numbers (one ended, so ids have a gap), messages (one
// claimed), a pushed message, a webhook record, a journal entry with a payload.
func fill(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := t.Context()
	a := number("+33600000001", "shop")
	a.ExpiresAt = base.Add(24 * time.Hour)
	a.Forward = providers.Forwarding{Calls: "+33612345678"}
	a = insert(t, s, a)
	b := insert(t, s, number("+33600000002", "bank"))
	c := insert(t, s, number("+33600000003", ""))
	_, err := s.AddMessages(ctx, a.ID, []providers.Message{inbound("m1", base, "Google"), inbound("m2", base.Add(time.Second), "Bank")})
	require.NoError(t, err)
	_, _, err = s.ClaimMessage(ctx, a.ID, time.Time{}, "Google")
	require.NoError(t, err)
	_, err = s.AddMessages(ctx, b.ID, []providers.Message{inbound("m3", base, "x")})
	require.NoError(t, err)
	_, err = s.EndNumber(ctx, b.ID, store.EndRotated, base.Add(time.Hour), "+33600000003")
	require.NoError(t, err)
	_, err = s.AddPushed(ctx, []store.Pushed{{Provider: "sandbox", Message: providers.Message{ID: "p1", From: "y", To: c.E164, Text: "pushed", ReceivedAt: base}}})
	require.NoError(t, err)
	require.NoError(t, s.SaveSMSWebhook(ctx, store.SMSWebhook{Provider: "sandbox", CarrierID: c.CarrierID, URL: "https://x/sms", Previous: "https://before"}))
	op := store.Op{Kind: "release", Step: "releasing", Provider: "sandbox", NumberID: c.ID, Payload: []byte(`{"how":"released"}`)}
	require.NoError(t, s.BeginOp(ctx, &op))
}

// vnum store migrate's promise: everything comes across, both ways, with its ids; twice changes
// nothing; no id is handed out again; different data at the destination stops it, untouched.
func TestCopyBothWays(t *testing.T) {
	ctx := t.Context()
	src := openAt(t, filepath.Join(t.TempDir(), "vnum.db"))
	fill(t, src)
	want := readRecord(t, src)

	dst := openAt(t, dbPath(t)) // PostgreSQL on the second pass
	rep, err := store.Copy(ctx, src, dst)
	require.NoError(t, err)
	assert.Equal(t, 2+1+4+1+1+1, rep.Copied(), "2 numbers, 1 history entry, 4 messages (one pushed), 1 op, 1 pushed, 1 webhook: %+v", rep)
	assert.Equal(t, want, readRecord(t, dst))

	rep, err = store.Copy(ctx, src, dst)
	require.NoError(t, err)
	assert.Zero(t, rep.Copied(), "a second run copies nothing")
	assert.Equal(t, want, readRecord(t, dst))

	n := insert(t, dst, number("+33600000009", "new"))
	assert.Greater(t, n.ID, int64(3), "an id the source gave (even one now in history) is never given again")
	op := store.Op{Kind: "buy"}
	require.NoError(t, dst.BeginOp(ctx, &op))
	assert.Greater(t, op.ID, want.Ops[0].ID)

	back := openAt(t, filepath.Join(t.TempDir(), "back.db"))
	_, err = store.Copy(ctx, dst, back)
	require.NoError(t, err)
	assert.Equal(t, readRecord(t, dst), readRecord(t, back), "and back")
	n2 := insert(t, back, number("+33600000010", ""))
	assert.Greater(t, n2.ID, n.ID)
}

func TestCopyRefusesConflictingData(t *testing.T) {
	ctx := t.Context()
	src := openAt(t, filepath.Join(t.TempDir(), "vnum.db"))
	fill(t, src)
	dst := openAt(t, dbPath(t))
	_, err := store.Copy(ctx, src, dst)
	require.NoError(t, err)

	// Another machine's data under the same id, and something new in the source.
	ns, err := dst.ListNumbers(ctx)
	require.NoError(t, err)
	ns[0].Label = "theirs"
	require.NoError(t, dst.UpdateNumber(ctx, &ns[0]))
	_, err = src.AddMessages(ctx, ns[0].ID, []providers.Message{inbound("new", base, "z")})
	require.NoError(t, err)
	before := readRecord(t, dst)

	_, err = store.Copy(ctx, src, dst)
	var ce *store.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "numbers id=1")
	assert.Equal(t, before, readRecord(t, dst), "nothing was copied")

	// A unique index is a conflict too: the label "shop" on another id of the destination.
	dst2 := openAt(t, dbPath(t))
	for i := range 3 {
		n := insert(t, dst2, number(fmt.Sprintf("+3369999999%d", i), ""))
		_, err := dst2.EndNumber(ctx, n.ID, store.EndReleased, base, "")
		require.NoError(t, err)
	}
	insert(t, dst2, number("+33699999990", "shop"))
	before = readRecord(t, dst2)
	_, err = store.Copy(ctx, src, dst2)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"numbers id=1"}, ce.Conflicts)
	assert.Equal(t, before, readRecord(t, dst2), "nothing was copied")
}
