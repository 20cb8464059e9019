package list

import (
	"context"
	"flag"
	"fmt"
	"os"
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

// TestMain pins the local time zone: messages of an ended number are dated in it.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		args      string
		wantRef   string
		wantSince time.Duration
		wantJSON  bool
		wantErr   string
	}{
		{args: "shop", wantRef: "shop"},
		{args: "shop --since 1d --json", wantRef: "shop", wantSince: 24 * time.Hour, wantJSON: true},
		{args: "", wantErr: "say which number: vnum sms list REF"},
		{args: "shop --since soon", wantErr: "--since:"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdList(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantSince, got.since)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func messages() []store.Message {
	return []store.Message{
		{ID: 1, NumberID: 1, Message: providers.Message{ID: "SM1", From: "Google", To: "+33199000001",
			Text: "G-482913 is your code", ReceivedAt: now.Add(-2 * time.Hour), Inbound: true}},
		{ID: 2, NumberID: 1, Message: providers.Message{ID: "SM2", From: "+33199000001", To: "+33612345678",
			Text: "hi\nthere", ReceivedAt: now.Add(-time.Hour)}},
		{ID: 3, NumberID: 1, Message: providers.Message{ID: "SM3", From: "+447700900123", To: "+33199000001",
			ReceivedAt: now.Add(-time.Minute), Inbound: true, Withheld: true}},
	}
}

func TestListRun(t *testing.T) {
	held := store.Number{ID: 1, Provider: "sandbox", E164: "+33199000001", Label: "shop"}
	ended := store.HistoryEntry{ID: 7, Provider: "sandbox", E164: "+33199000001", Label: "shop",
		EndedAt: now.Add(-24 * time.Hour), How: store.EndReleased}
	noMatch := cmdutil.ResolveError(fmt.Errorf("%w: no number matches \"shop\"", numbers.ErrNoMatch))
	tests := []struct {
		name       string
		tty, json  bool
		since      time.Duration
		resolveErr error // Resolve's error: ErrNoMatch makes list look in the history
		endedErr   error
		wantSince  time.Time
		wantStderr string
		wantErr    string
		wantExit   cmdutil.ExitCode
	}{
		{name: "tty", tty: true},
		{name: "pipe"},
		{name: "json", json: true},
		{name: "since", since: time.Hour, wantSince: now.Add(-time.Hour)},
		{name: "ended number on a terminal", tty: true, resolveErr: noMatch,
			wantStderr: "+33 1 99 00 00 01 was released on 2026-02-28 12:00: these are the messages vnum kept\n"},
		{name: "ended number on a pipe", resolveErr: noMatch},
		{name: "no such number", resolveErr: noMatch, endedErr: noMatch, wantErr: "no number matches", wantExit: cmdutil.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			// stderr on a terminal too would run the spinner, whose frames depend on timing;
			// only the ended number's note, which needs it, gets one (no spinner on that path).
			ios.SetStderrTTY(tt.tty && tt.resolveErr != nil)
			var read string
			var asked time.Time
			opts := &Options{
				IO:      ios,
				Resolve: func(context.Context, string) (store.Number, error) { return held, tt.resolveErr },
				ResolveEnded: func(context.Context, string) (store.HistoryEntry, error) {
					return ended, tt.endedErr
				},
				Messages: func(_ context.Context, n store.Number, since time.Time) ([]store.Message, error) {
					read, asked = "carrier", since
					return messages(), nil
				},
				Kept: func(_ context.Context, h store.HistoryEntry, since time.Time) ([]store.Message, error) {
					require.Equal(t, ended.ID, h.ID)
					read, asked = "kept", since
					return messages(), nil
				},
				Now:    func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Ref:    "shop",
				JSON:   tt.json,
				since:  tt.since,
			}
			err := listRun(t.Context(), opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			if tt.resolveErr != nil {
				assert.Equal(t, "kept", read, "a number no longer held is read from what vnum kept, not asked of the carrier")
			} else {
				assert.Equal(t, "carrier", read)
			}
			assert.Equal(t, tt.wantSince, asked)
			assert.Equal(t, tt.wantStderr, errOut.String())
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
