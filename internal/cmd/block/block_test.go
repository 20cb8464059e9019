package block

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestNewCmdBlock(t *testing.T) {
	tests := []struct {
		args    string
		unblock bool
		want    Options
		wantErr string
	}{
		{args: "shop +33611111111", want: Options{Ref: "shop", Callers: []string{"+33611111111"}}},
		{args: "shop '06 11 11 11 11' anonymous", want: Options{Ref: "shop", Callers: []string{"+33611111111"}, Anonymous: true}},
		{args: "shop --anonymous --json", want: Options{Ref: "shop", Anonymous: true, JSON: true}},
		{args: "--list shop", want: Options{Ref: "shop", List: true}},
		{args: "shop +33611111111", unblock: true, want: Options{Ref: "shop", Callers: []string{"+33611111111"}, Unblock: true}},
		{args: "", wantErr: "say which number: vnum block REF CALLER..."},
		{args: "shop", wantErr: "say whom to block: a CALLER number, or --anonymous"},
		{args: "shop", unblock: true, wantErr: "say whom to unblock"},
		{args: "--list shop +33611111111", wantErr: "--list prints the block list: give only REF"},
		{args: "shop 12", wantErr: "CALLER:"},
		{args: "--list shop", unblock: true, wantErr: "unknown flag: --list"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %s", tt.unblock, tt.args), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Config: func() (*config.Config, error) { return config.Load(testEnv(t)) }}
			var got *Options
			runF := func(o *Options) error { got = o; return nil }
			cmd := NewCmdBlock(f, runF)
			if tt.unblock {
				cmd = NewCmdUnblock(f, runF)
			}
			err := cmdtest.Execute(t, cmd, tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Ref, got.Ref)
			assert.Equal(t, tt.want.Callers, got.Callers)
			assert.Equal(t, tt.want.Anonymous, got.Anonymous)
			assert.Equal(t, tt.want.List, got.List)
			assert.Equal(t, tt.want.JSON, got.JSON)
			assert.Equal(t, tt.want.Unblock, got.Unblock)
		})
	}
}

// testEnv is a configuration in a temporary directory that reads national numbers as French.
func testEnv(t *testing.T) config.Env {
	dir := t.TempDir()
	return func(k string) string {
		switch k {
		case "VNUM_CONFIG_DIR":
			return dir + "/config"
		case "VNUM_DATA_DIR":
			return dir + "/data"
		case "VNUM_COUNTRY":
			return "FR"
		}
		return ""
	}
}

func TestBlockRun(t *testing.T) {
	shop := store.Number{ID: 1, Label: "shop", E164: "+33199000001", Provider: "sandbox"}
	start := store.CallSettings{NumberID: 1, Blocked: []string{"+33622222222"}}
	tests := []struct {
		name     string
		tty      bool
		opts     Options
		settings store.CallSettings
		err      error
		wantErr  string
	}{
		{name: "block tty", tty: true, opts: Options{Callers: []string{"+33611111111"}, Anonymous: true}},
		{name: "block pipe", opts: Options{Callers: []string{"+33611111111"}}},
		{name: "block json", opts: Options{Callers: []string{"+33611111111"}, JSON: true}},
		{name: "unblock pipe", opts: Options{Unblock: true, Callers: []string{"+33622222222"}}},
		{name: "list tty", tty: true, opts: Options{List: true}, settings: store.CallSettings{Blocked: []string{"+33622222222"}, BlockAnonymous: true}},
		{name: "list pipe", opts: Options{List: true}, settings: store.CallSettings{Blocked: []string{"+33622222222"}, BlockAnonymous: true}},
		{name: "list empty tty", tty: true, opts: Options{List: true}},
		{name: "list empty pipe", opts: Options{List: true}},
		{name: "carrier refuses", opts: Options{Callers: []string{"+33611111111"}},
			err: errors.New("telnyx calls: telnyx cannot block callers: needs vnum serve"), wantErr: "needs vnum serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			opts := tt.opts
			opts.IO, opts.Ref = ios, "shop"
			opts.Resolve = func(context.Context, string) (store.Number, error) { return shop, nil }
			opts.Settings = func(context.Context, store.Number) (store.CallSettings, error) { return tt.settings, nil }
			changed := start
			opts.Change = func(_ context.Context, _ store.Number, change func(*store.CallSettings)) (store.CallSettings, error) {
				if tt.err != nil {
					return store.CallSettings{}, tt.err
				}
				changed.Blocked = append([]string{}, start.Blocked...)
				change(&changed)
				return changed, nil
			}
			var success bytes.Buffer
			opts.Success = func(format string, args ...any) {
				if tt.tty {
					fmt.Fprintf(&success, "✓ "+format+"\n", args...)
				}
			}
			err := blockRun(t.Context(), &opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			cmdtest.Golden(t, []byte(out.String()+"--- stderr\n"+errOut.String()+success.String()), *update)
		})
	}
}
