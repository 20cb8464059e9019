package voicemail

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

const vmID = "RE0123456789abcdef0123456789abcdef"

func TestNewCmdGet(t *testing.T) {
	tests := []struct {
		args    string
		tty     bool
		wantOut string
		wantErr string
	}{
		{args: vmID + " -o msg.wav", tty: true, wantOut: "msg.wav"},
		{args: vmID + " -o -", tty: true, wantOut: "-"},
		{args: vmID, wantOut: ""},
		{args: vmID, tty: true, wantErr: "the voicemail is audio, which a terminal cannot show: give -o FILE"},
		{args: "", wantErr: "say which voicemail"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s tty=%v", tt.args, tt.tty), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			var got *GetOptions
			err := cmdtest.Execute(t, NewCmdGet(&cmdutil.Factory{IOStreams: ios}, func(o *GetOptions) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, vmID, got.ID)
			assert.Equal(t, tt.wantOut, got.Output)
		})
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func TestGetRun(t *testing.T) {
	wav := providers.Audio{ContentType: "audio/wav", Data: []byte("RIFF....WAVE")}
	tests := []struct {
		name     string
		output   string
		err      error
		wantOut  string
		wantFile string
		wantExit cmdutil.ExitCode
	}{
		{name: "to a file", output: "msg.wav", wantFile: "RIFF....WAVE"},
		{name: "to stdout", output: "-", wantOut: "RIFF....WAVE"},
		{name: "unknown id", output: "-", err: fmt.Errorf("%w %q", numbers.ErrNoVoicemail, "RE0"), wantExit: cmdutil.ExitNotFound},
		{name: "gone at the carrier", output: "-", err: &providers.Error{Provider: "twilio", Kind: providers.ErrNotFound}, wantExit: cmdutil.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			var file bytes.Buffer
			opts := &GetOptions{IO: ios, ID: vmID, Output: tt.output,
				Audio: func(context.Context, string) (store.Voicemail, providers.Audio, error) {
					return store.Voicemail{}, wav, tt.err
				},
				Create:  func(string) (io.WriteCloser, error) { return nopCloser{&file}, nil },
				Success: func(string, ...any) {},
			}
			err := getRun(t.Context(), opts)
			if tt.wantExit != 0 {
				require.Error(t, err)
				assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantOut, out.String())
			assert.Equal(t, tt.wantFile, file.String())
		})
	}
}

func TestListRun(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vms := []store.Voicemail{
		{NumberID: 1, Provider: "twilio", Voicemail: providers.Voicemail{ID: vmID, CallID: "CA1", From: "+12025550133",
			To: "+12025550100", At: now.Add(-time.Hour), Duration: 5 * time.Second, Transcription: "Hello, call me back."}},
		{NumberID: 1, Provider: "sandbox", Voicemail: providers.Voicemail{ID: "REsb", CallID: "CA2", To: "+33199000001",
			At: now.Add(-time.Minute), Duration: time.Second}},
	}
	for _, tt := range []struct {
		name string
		tty  bool
		json bool
		vms  []store.Voicemail
	}{
		{name: "tty", tty: true, vms: vms}, {name: "pipe", vms: vms}, {name: "json", json: true, vms: vms}, {name: "empty tty", tty: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			opts := &ListOptions{IO: ios, JSON: tt.json, Now: func() time.Time { return now },
				Styles: func() *theme.Styles { return theme.New(out, false, true) },
				Voicemails: func(_ context.Context, ns []store.Number) (numbers.VoicemailsResult, error) {
					assert.Nil(t, ns)
					return numbers.VoicemailsResult{Voicemails: tt.vms}, nil
				},
			}
			require.NoError(t, listRun(t.Context(), opts))
			cmdtest.Golden(t, []byte(out.String()+"--- stderr\n"+errOut.String()), *update)
		})
	}
}

func TestDeleteRun(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var said string
	opts := &DeleteOptions{IO: ios, ID: vmID,
		Delete:  func(context.Context, string) (store.Voicemail, error) { return store.Voicemail{}, nil },
		Success: func(format string, args ...any) { said = fmt.Sprintf(format, args...) },
	}
	require.NoError(t, deleteRun(t.Context(), opts))
	assert.Equal(t, "Deleted the voicemail from withheld", said)

	opts.Delete = func(context.Context, string) (store.Voicemail, error) {
		return store.Voicemail{}, fmt.Errorf("%w %q", numbers.ErrNoVoicemail, vmID)
	}
	err := deleteRun(t.Context(), opts)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCodeFor(err))
	opts.Delete = func(context.Context, string) (store.Voicemail, error) {
		return store.Voicemail{}, errors.New("twilio voicemail: 503")
	}
	err = deleteRun(t.Context(), opts)
	assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCodeFor(err))
}
