package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

func pushed(id, to, text string, at time.Time) store.Pushed {
	return store.Pushed{Provider: "sandbox", Message: providers.Message{ID: id, From: "+447700900001", To: to, Text: text, ReceivedAt: at, Inbound: true}}
}

func TestAddPushedOnce(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33612345678", "shop"))
	at := base.Add(time.Hour)
	got, err := s.AddPushed(t.Context(), []store.Pushed{
		pushed("M1", n.E164, "code 111111", at),
		pushed("M1", n.E164, "code 111111", at), // the carrier's retry, in the same batch
		pushed("M2", "+33699999999", "to a number vnum does not hold", at),
	})
	require.NoError(t, err)
	require.Equal(t, []store.PushOutcome{store.PushStored, store.PushDuplicate, store.PushNoNumber}, got)
	got, err = s.AddPushed(t.Context(), []store.Pushed{pushed("M1", n.E164, "code 111111", at)})
	require.NoError(t, err)
	require.Equal(t, []store.PushOutcome{store.PushDuplicate}, got)
	msgs, err := s.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, "code 111111", msgs[0].Text)
	require.True(t, msgs[0].Inbound)
	// A message polled from the carrier with the same id is the same message.
	added, err := s.AddMessages(t.Context(), n.ID, []providers.Message{{ID: "M1", From: "x", To: n.E164, ReceivedAt: at, Inbound: true}})
	require.NoError(t, err)
	require.Zero(t, added)
	// Another carrier may use the same id for another message.
	got, err = s.AddPushed(t.Context(), []store.Pushed{{Provider: "twilio", Message: providers.Message{ID: "M1", To: n.E164}}})
	require.NoError(t, err)
	require.Equal(t, []store.PushOutcome{store.PushNoNumber}, got)
}

func TestAddPushedJoinsParts(t *testing.T) {
	s := openStore(t)
	n := insert(t, s, number("+33612345678", "shop"))
	part := func(id string, i int, text string, at time.Time) store.Pushed {
		p := pushed(id, n.E164, text, at)
		p.Part = &store.PushedPart{Ref: "ref7", Index: i, Total: 3}
		return p
	}
	at := base.Add(time.Hour)
	got, err := s.AddPushed(t.Context(), []store.Pushed{part("P3", 3, "913.", at.Add(2*time.Second)), part("P1", 1, "Your code is ", at.Add(time.Second))})
	require.NoError(t, err)
	require.Equal(t, []store.PushOutcome{store.PushPartial, store.PushPartial}, got)
	msgs, err := s.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Empty(t, msgs, "a message is not shown before all its parts came")
	got, err = s.AddPushed(t.Context(), []store.Pushed{part("P2", 2, "482", at.Add(3*time.Second)), part("P2", 2, "482", at)})
	require.NoError(t, err)
	require.Equal(t, []store.PushOutcome{store.PushStored, store.PushDuplicate}, got)
	msgs, err = s.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, "Your code is 482913.", msgs[0].Text)
	require.Equal(t, "P1", msgs[0].Message.ID)
	require.True(t, msgs[0].ReceivedAt.Equal(at.Add(time.Second)), "the time of the earliest part")
}

// Several serve processes (each its own *Store on one file) pushed the same messages at once:
// each is stored exactly once.
func TestAddPushedConcurrentServes(t *testing.T) {
	path := dbPath(t)
	first := openAt(t, path)
	n := insert(t, first, number("+33612345678", "shop"))
	const serves, msgs = 4, 50
	var wg sync.WaitGroup
	stored := make([]int, serves)
	for i := range serves {
		s := first
		if i > 0 {
			s = openAt(t, path)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range msgs {
				got, err := s.AddPushed(t.Context(), []store.Pushed{pushed(fmt.Sprintf("M%d", j), n.E164, "hi", base)})
				if err != nil {
					t.Error(err)
					return
				}
				if got[0] == store.PushStored {
					stored[i]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range stored {
		total += c
	}
	require.Equal(t, msgs, total)
	all, err := first.ListMessages(t.Context(), n.ID, time.Time{})
	require.NoError(t, err)
	require.Len(t, all, msgs)
}

func TestSMSWebhooks(t *testing.T) {
	s := openStore(t)
	require.NoError(t, s.SaveSMSWebhook(t.Context(), store.SMSWebhook{Provider: "vonage", CarrierID: "447", URL: "https://a/x", Previous: "https://old"}))
	// serve started again with another URL: the URL changes, what to put back does not.
	require.NoError(t, s.SaveSMSWebhook(t.Context(), store.SMSWebhook{Provider: "vonage", CarrierID: "447", URL: "https://b/x", Previous: "https://a/x"}))
	ws, err := s.ListSMSWebhooks(t.Context())
	require.NoError(t, err)
	require.Equal(t, []store.SMSWebhook{{Provider: "vonage", CarrierID: "447", URL: "https://b/x", Previous: "https://old"}}, ws)
	require.NoError(t, s.DeleteSMSWebhook(t.Context(), "vonage", "447"))
	ws, err = s.ListSMSWebhooks(t.Context())
	require.NoError(t, err)
	require.Empty(t, ws)
}
