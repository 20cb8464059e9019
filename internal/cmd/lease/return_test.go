package lease

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
)

func TestNewCmdReturn(t *testing.T) {
	tests := []struct {
		args     string
		wantRef  string
		wantJSON bool
		wantErr  string
	}{
		{args: "lease-0123456789abcdef", wantRef: "lease-0123456789abcdef"},
		{args: "'+33 1 99 00 00 01' --json", wantRef: "+33 1 99 00 00 01", wantJSON: true},
		{args: "", wantErr: "a lease id or a leased number"},
		{args: "' '", wantErr: "empty REF: give a lease id or a leased number"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *ReturnOptions
			err := cmdtest.Execute(t, NewCmdReturn(testFactory(t, nil, ""), func(o *ReturnOptions) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

func TestReturnRun(t *testing.T) {
	gone := fmt.Errorf("%w: lease-0000000000000000 (returned, or expired and reclaimed)", numbers.ErrLeaseGone)
	tests := []struct {
		name       string
		tty, json  bool
		findErr    error
		returnErr  error
		wantReturn bool
		wantStderr string
		wantExit   cmdutil.ExitCode
		wantErr    string
	}{
		{name: "tty", tty: true, wantReturn: true, wantStderr: "Returned +33 1 99 00 00 01 to pool ci\n"},
		{name: "pipe", wantReturn: true},
		{name: "json", json: true, wantReturn: true},
		{name: "not leased exits 5", findErr: fmt.Errorf("%w: +33199000001 is not leased", numbers.ErrLeaseGone),
			wantExit: cmdutil.ExitNotFound, wantErr: "lease not held: +33199000001 is not leased"},
		{name: "unknown number exits 5", findErr: fmt.Errorf("%w: shop", numbers.ErrNoMatch),
			wantExit: cmdutil.ExitNotFound, wantErr: "no number matches: shop"},
		{name: "returned meanwhile exits 5", returnErr: gone, wantReturn: true,
			wantExit: cmdutil.ExitNotFound, wantErr: "lease not held: lease-0000000000000000 (returned, or expired and reclaimed)"},
		{name: "store fails", returnErr: errors.New("database is locked"), wantReturn: true,
			wantExit: cmdutil.ExitFailure, wantErr: "database is locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			returned := false
			opts := &ReturnOptions{IO: ios, Ref: "shop", JSON: tt.json,
				Find: func(_ context.Context, ref string) (store.Lease, store.Number, error) {
					assert.Equal(t, "shop", ref)
					if tt.findErr != nil {
						return store.Lease{}, store.Number{}, tt.findErr
					}
					return lease, leased, nil
				},
				Return: func(_ context.Context, id string) error {
					returned = true
					assert.Equal(t, lease.ID, id, "the lease REF names is returned")
					return tt.returnErr
				}}
			err := returnRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			assert.Equal(t, tt.wantReturn, returned)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStderr, errOut.String())
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
