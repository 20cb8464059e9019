package list

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestMain pins the local time zone, so that the golden files do not depend on the machine's.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "", want: Options{}},
		{args: "--label 'shop*' --offline --json", want: Options{Label: "shop*", Offline: true, JSON: true}},
		{args: "-l work", want: Options{Label: "work"}},
		{args: "--label '[a'", wantErr: `--label "[a" is not a valid pattern: syntax error in pattern`},
		{args: "shop", wantErr: `unexpected argument "shop"`},
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
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Label, got.Label)
			assert.Equal(t, tt.want.Offline, got.Offline)
			assert.Equal(t, tt.want.JSON, got.JSON)
		})
	}
}

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func held() []store.Number {
	return []store.Number{
		{ID: 1, Provider: "sandbox", CarrierID: "sb-1", E164: "+33199000001", Country: "FR", Type: providers.TypeLocal,
			Label: "shop", Forward: providers.Forwarding{Calls: "+33612345678"}, Monthly: providers.Price{Micros: 1_150_000, Currency: "EUR"},
			State: providers.StateActive, Managed: true, BoughtAt: now.Add(-48 * time.Hour), ExpiresAt: now.Add(7 * 24 * time.Hour)},
		{ID: 2, Provider: "sandbox", CarrierID: "sb-2", E164: "+33639980002", Country: "FR", Type: providers.TypeMobile,
			Label: "work", Monthly: providers.Price{Micros: 2_000_000, Currency: "EUR"}, State: providers.StateActive, Managed: true,
			BoughtAt: now.Add(-time.Hour)},
		{ID: 3, Provider: "twilio", CarrierID: "PN0123", E164: "+12025550100", Country: "US", Type: providers.TypeLocal,
			Monthly: providers.Price{Micros: 1_150_000, Currency: "USD"}, State: providers.StateActive, BoughtAt: now.Add(-time.Hour)},
	}
}

// lifecycle is a stub of the number lifecycle: the numbers stored, and each carrier's answer.
type lifecycle struct {
	stored   []store.Number
	notes    map[string][]string
	errs     map[string]error
	refreshd []string
}

func (l *lifecycle) Stored(context.Context) ([]store.Number, error) { return l.stored, nil }
func (l *lifecycle) Carriers(context.Context) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, n := range l.stored {
		if !seen[n.Provider] {
			seen[n.Provider] = true
			out = append(out, n.Provider)
		}
	}
	return out, nil
}

func (l *lifecycle) Refresh(_ context.Context, provider string) ([]store.Number, []string, error) {
	l.refreshd = append(l.refreshd, provider)
	if err := l.errs[provider]; err != nil {
		return nil, l.notes[provider], err
	}
	return l.stored, l.notes[provider], nil
}

func TestListRun(t *testing.T) {
	refused := &providers.Error{Provider: "twilio", Op: "list", Kind: providers.ErrUnauthorized, Message: "bad token"}
	busy := &providers.Error{Provider: "twilio", Op: "list", Kind: providers.ErrTemporary, Message: "unavailable"}
	tests := []struct {
		name          string
		tty, json     bool
		offline       bool
		label, only   string
		stored        []store.Number
		notes         map[string][]string
		errs          map[string]error
		wantAsked     []string
		wantOffline   bool
		wantStderr    string
		wantExit      cmdutil.ExitCode
		wantErrSubstr string
	}{
		{name: "tty", tty: true, stored: held(), wantAsked: []string{"sandbox", "twilio"}},
		{name: "pipe", stored: held(), wantAsked: []string{"sandbox", "twilio"}},
		{name: "json", json: true, stored: held(), wantAsked: []string{"sandbox", "twilio"}},
		{name: "one number", tty: true, stored: held()[:1], wantAsked: []string{"sandbox"}},
		{name: "offline asks no carrier", offline: true, stored: held(), wantOffline: true},
		{name: "provider flag", tty: true, only: "twilio", stored: held(), wantAsked: []string{"twilio"}},
		{name: "label glob", label: "s*", stored: held(), wantAsked: []string{"sandbox", "twilio"}},
		{name: "empty tty", tty: true, wantAsked: []string{"sandbox"}, wantStderr: "no numbers yet: try `vnum buy --country FR`\n"},
		{name: "empty pipe", wantAsked: []string{"sandbox"}},
		{name: "empty json", json: true, wantAsked: []string{"sandbox"}},
		{name: "carrier notes go to stderr", stored: held(), wantAsked: []string{"sandbox", "twilio"},
			notes:      map[string][]string{"twilio": {"+1 202-555-0100 is no longer on twilio: moved to history"}},
			wantStderr: "vnum: +1 202-555-0100 is no longer on twilio: moved to history\n"},
		{name: "carrier down warns and shows what vnum knew", stored: held(), wantAsked: []string{"sandbox", "twilio"},
			errs:       map[string]error{"twilio": busy},
			wantStderr: "warning: could not ask twilio what you own (twilio list: unavailable); showing what vnum last knew\n"},
		{name: "credentials refused list then exit 4", stored: held(), wantAsked: []string{"sandbox", "twilio"},
			errs: map[string]error{"twilio": refused}, wantExit: cmdutil.ExitAuth,
			wantErrSubstr: "could not ask twilio what you own, so the list above is what vnum last knew: twilio list: bad token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			ios.SetTerminalWidth(120)
			lc := &lifecycle{stored: tt.stored, notes: tt.notes, errs: tt.errs}
			var openedOffline bool
			opts := &Options{
				IO: ios,
				Numbers: func(offline bool) (Lifecycle, error) {
					openedOffline = offline
					return lc, nil
				},
				Provider:     func() (string, error) { return "sandbox", nil },
				ProviderFlag: func() string { return tt.only },
				Now:          func() time.Time { return now },
				Styles:       func() *theme.Styles { return theme.New(out, false, true) },
				Label:        tt.label, Offline: tt.offline, JSON: tt.json,
			}
			err := listRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErrSubstr != "" {
				assert.ErrorContains(t, err, tt.wantErrSubstr)
			}
			assert.Equal(t, tt.wantOffline, openedOffline)
			assert.Equal(t, tt.wantAsked, lc.refreshd)
			assert.Equal(t, tt.wantStderr, cmdtest.NoSpinner(ios, errOut))
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
