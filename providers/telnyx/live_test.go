package telnyx_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
	"github.com/vnum-cli/vnum/providers/telnyx"
)

// Live tests run only with VNUM_LIVE_TELNYX=1 and TELNYX_API_KEY: they buy numbers (Telnyx
// bills the first month) and release them.
func liveProvider(t *testing.T, key string) *telnyx.Provider {
	t.Helper()
	if os.Getenv("VNUM_LIVE_TELNYX") != "1" {
		t.Skip("live test: set VNUM_LIVE_TELNYX=1 and TELNYX_API_KEY to run it (it spends money)")
	}
	p, err := telnyx.New(providers.Settings{
		Env:         os.Getenv,
		Credentials: map[string]string{telnyx.CredAPIKey: key},
		HTTP:        func() *http.Client { return &http.Client{Timeout: 60 * time.Second} },
	})
	require.NoError(t, err)
	return p
}

// TestLiveConformance runs the conformance suite against a real Telnyx account (US local).
func TestLiveConformance(t *testing.T) {
	key := os.Getenv("TELNYX_API_KEY")
	liveProvider(t, key)
	providertest.Suite{
		Country:         "US",
		Type:            providers.TypeLocal,
		NoAccountID:     true,
		New:             func(t *testing.T) providers.Provider { return liveProvider(t, key) },
		NewUnauthorized: func(t *testing.T) providers.Provider { return liveProvider(t, "KEY0000000000_invalid") },
	}.Run(t)
}

// TestLiveInboundSMS checks what the adapter's `sms list`/`sms wait` rest on and the documents
// do not confirm (INBOUND.md §1.3): that an inbound SMS to a number on vnum's messaging profile,
// with no webhook, shows in the message detail records, and that the record's uuid reads the
// message's text with GET /v2/messages/{uuid}. It buys the cheapest US local number that takes
// SMS, waits for an SMS to it, and releases the number; it reports how many seconds the record
// took to appear.
//
// The SMS is sent from VNUM_LIVE_TELNYX_SENDER (the id of another number of the account, on a
// messaging profile) when set; otherwise the test logs the number and waits for someone to text
// it, for VNUM_LIVE_TELNYX_WAIT (default 5m).
func TestLiveInboundSMS(t *testing.T) {
	p := liveProvider(t, os.Getenv("TELNYX_API_KEY"))
	ctx := t.Context()
	offers, err := p.Search(ctx, providers.Query{Country: "US", Type: providers.TypeLocal, SMS: true, Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, offers, "no US local numbers that take SMS for sale")
	slices.SortFunc(offers, func(a, b providers.Available) int { return int(a.Monthly.Micros - b.Monthly.Micros) })

	n, err := p.Buy(ctx, providers.BuyRequest{Number: offers[0].Number, Country: "US", Type: providers.TypeLocal,
		Label: "vnum live test", Reference: fmt.Sprintf("vnum-live-%d", time.Now().Unix())})
	require.NoError(t, err)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := p.Release(cctx, n.ID); err != nil {
			t.Errorf("cleanup: release %s (%s): %v: release it in the Mission Control portal", n.Number, n.ID, err)
		}
	})
	for deadline := time.Now().Add(2 * time.Minute); n.State == providers.StatePending && time.Now().Before(deadline); {
		time.Sleep(3 * time.Second)
		if n, err = p.Get(ctx, n.ID); err != nil {
			t.Fatalf("following the order of %s: %v", offers[0].Number, err)
		}
	}
	require.Equal(t, providers.StateActive, n.State, "state of %s", n.Number)

	text := fmt.Sprintf("vnum live test %d", time.Now().UnixNano()%1000000)
	sent := time.Now()
	if sender := os.Getenv("VNUM_LIVE_TELNYX_SENDER"); sender != "" {
		_, err := p.SendSMS(ctx, sender, n.Number, text)
		require.NoError(t, err, "sending the test SMS from %s", sender)
	} else {
		t.Logf("send an SMS with the text %q to %s now", text, n.Number)
	}
	wait := 5 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("VNUM_LIVE_TELNYX_WAIT")); err == nil {
		wait = d
	}
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(3 * time.Second) {
		msgs, err := p.Messages(ctx, n.ID, sent.Add(-time.Minute))
		require.NoError(t, err)
		for _, m := range msgs {
			if !m.Inbound {
				continue
			}
			t.Logf("inbound SMS readable %.0f s after it was sent; text %q, withheld %v", time.Since(sent).Seconds(), m.Text, m.Withheld)
			if os.Getenv("VNUM_LIVE_TELNYX_SENDER") != "" {
				assert.Equal(t, text, m.Text, "the detail record's uuid read the message's text")
			} else {
				assert.NotEmpty(t, m.Text, "the detail record's uuid read the message's text")
			}
			return
		}
	}
	t.Fatalf("no inbound SMS to %s in the detail records within %s", n.Number, wait)
}
