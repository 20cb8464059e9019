package calls

import (
	"context"
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdCalls(t *testing.T) {
	tests := []struct {
		args      string
		wantRef   string
		wantSince time.Duration
		wantJSON  bool
		wantErr   string
	}{
		{args: ""},
		{args: "shop --since 7d --json", wantRef: "shop", wantSince: 7 * 24 * time.Hour, wantJSON: true},
		{args: "--since soon", wantErr: "--since"},
		{args: "a b", wantErr: "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			err := cmdtest.Execute(t, NewCmdCalls(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantSince, got.Since)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func log() []store.Call {
	mk := func(id, from string, ago time.Duration, d time.Duration, o providers.CallOutcome) store.Call {
		return store.Call{NumberID: 1, Call: providers.Call{ID: id, From: from, To: "+33199000001", At: now.Add(-ago), Duration: d, Outcome: o}}
	}
	return []store.Call{
		mk("CA1", "+33611111111", 3*time.Hour, 0, providers.CallBlocked),
		mk("CA2", "", 2*time.Hour, 0, providers.CallBlocked),
		mk("CA3", "+33622222222", time.Hour, 90*time.Second, providers.CallAnswered),
		mk("CA4", "+33633333333", time.Minute, 25*time.Second, providers.CallVoicemail),
	}
}

func TestCallsRun(t *testing.T) {
	tests := []struct {
		name      string
		tty       bool
		opts      Options
		res       numbers.CallsResult
		err       error
		wantSince time.Time
		wantErr   string
	}{
		{name: "tty", tty: true, res: numbers.CallsResult{Calls: log()}},
		{name: "pipe", res: numbers.CallsResult{Calls: log()}},
		{name: "json", opts: Options{JSON: true}, res: numbers.CallsResult{Calls: log()}},
		{name: "since", opts: Options{Ref: "shop", Since: 24 * time.Hour}, wantSince: now.Add(-24 * time.Hour), res: numbers.CallsResult{Calls: log()[3:]}},
		{name: "empty tty", tty: true},
		{name: "empty pipe"},
		{name: "a carrier not read", res: numbers.CallsResult{Calls: log()[:1], Notes: []string{"could not read the calls of +1 202-555-0100 from twilio: 503"}}},
		{name: "carrier cannot", opts: Options{Ref: "shop"}, err: errors.New("telnyx calls: telnyx cannot list calls: needs vnum serve"), wantErr: "needs vnum serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			opts := tt.opts
			opts.IO = ios
			opts.Now = func() time.Time { return now }
			opts.Styles = func() *theme.Styles { return theme.New(out, false, true) }
			opts.Resolve = func(context.Context, string) (store.Number, error) { return store.Number{ID: 1}, nil }
			opts.Calls = func(_ context.Context, ns []store.Number, since time.Time) (numbers.CallsResult, error) {
				assert.Equal(t, tt.wantSince, since)
				assert.Equal(t, opts.Ref != "", ns != nil, "one number for a REF, all without")
				return tt.res, tt.err
			}
			err := callsRun(t.Context(), &opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			cmdtest.Golden(t, []byte(out.String()+"--- stderr\n"+errOut.String()), *update)
		})
	}
}

// A number given back (released, rotated away) is still a REF for its call log: the calls vnum
// kept, not "no number matches"; a REF that names no number, held or ended, still exits 5.
func TestCallsOfANumberGivenBack(t *testing.T) {
	gone := store.HistoryEntry{ID: 7, E164: "+33199000001", How: store.EndReleased, EndedAt: now.Add(-time.Hour)}
	for _, tt := range []struct {
		name     string
		ended    bool
		tty      bool
		wantOut  string
		wantErr  string
		wantNote bool
	}{
		{name: "released, pipe", ended: true, wantOut: "2026-03-01T11:59:00Z\t+33633333333\t+33199000001\tvoicemail\t25\n"},
		{name: "released, terminal", ended: true, tty: true, wantNote: true},
		{name: "never held", wantErr: "no number matches"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			opts := &Options{IO: ios, Ref: "gone", Now: func() time.Time { return now },
				Styles:  func() *theme.Styles { return theme.New(out, false, true) },
				Resolve: func(context.Context, string) (store.Number, error) { return store.Number{}, numbers.ErrNoMatch },
				ResolveEnded: func(context.Context, string) (store.HistoryEntry, error) {
					if !tt.ended {
						return store.HistoryEntry{}, numbers.ErrNoMatch
					}
					return gone, nil
				},
				Kept: func(_ context.Context, h store.HistoryEntry, _ time.Time) ([]store.Call, error) {
					assert.Equal(t, gone.ID, h.ID)
					return log()[3:], nil
				},
				Calls: func(context.Context, []store.Number, time.Time) (numbers.CallsResult, error) {
					t.Error("a number given back is not read from its carrier")
					return numbers.CallsResult{}, nil
				},
			}
			err := callsRun(t.Context(), opts)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, numbers.ErrNoMatch)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			if tt.wantOut != "" {
				assert.Equal(t, tt.wantOut, out.String())
			}
			if tt.wantNote {
				assert.Contains(t, errOut.String(), "+33 1 99 00 00 01 was released on")
				assert.Contains(t, out.String(), "voicemail")
			}
		})
	}
}
