package lease

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/cmd/internal/cmdtest"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
)

func TestNewCmdRenew(t *testing.T) {
	tests := []struct {
		args     string
		wantRef  string
		wantTTL  time.Duration
		wantJSON bool
		wantErr  string
	}{
		{args: "lease-0123456789abcdef", wantRef: "lease-0123456789abcdef", wantTTL: DefaultTTL},
		{args: "shop --ttl 2h --json", wantRef: "shop", wantTTL: 2 * time.Hour, wantJSON: true},
		{args: "", wantErr: "a lease id or a leased number"},
		{args: "' '", wantErr: "empty REF: give a lease id or a leased number"},
		{args: "shop --ttl soon", wantErr: `--ttl: invalid duration "soon"`},
		{args: "shop --ttl 0s", wantErr: `--ttl: invalid duration "0s": it must be longer than zero`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *RenewOptions
			err := cmdtest.Execute(t, NewCmdRenew(testFactory(t, nil, ""), func(o *RenewOptions) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCodeFor(err))
				assert.Nil(t, got, "nothing runs after a refusal")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
			assert.Equal(t, tt.wantTTL, got.TTL)
			assert.Equal(t, tt.wantJSON, got.JSON)
		})
	}
}

func TestRenewRun(t *testing.T) {
	renewed := lease
	renewed.ExpiresAt = now.Add(2 * time.Hour)
	tests := []struct {
		name     string
		tty      bool
		json     bool
		findErr  error
		renewErr error
		wantExit cmdutil.ExitCode
		wantErr  string
	}{
		{name: "tty", tty: true},
		{name: "pipe"},
		{name: "json", json: true},
		{name: "expired exits 5", renewErr: fmt.Errorf("%w: %s (returned, or expired and reclaimed)", numbers.ErrLeaseGone, lease.ID),
			wantExit: cmdutil.ExitNotFound, wantErr: "lease not held: lease-0123456789abcdef (returned, or expired and reclaimed)"},
		{name: "not leased exits 5", findErr: fmt.Errorf("%w: +33199000001 is not leased", numbers.ErrLeaseGone),
			wantExit: cmdutil.ExitNotFound, wantErr: "lease not held: +33199000001 is not leased"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			opts := &RenewOptions{IO: ios, Ref: "shop", TTL: 2 * time.Hour, JSON: tt.json,
				Find: func(_ context.Context, ref string) (store.Lease, store.Number, error) {
					assert.Equal(t, "shop", ref)
					if tt.findErr != nil {
						return store.Lease{}, store.Number{}, tt.findErr
					}
					return lease, leased, nil
				},
				Renew: func(_ context.Context, id string, ttl time.Duration) (store.Lease, error) {
					assert.Equal(t, lease.ID, id)
					assert.Equal(t, 2*time.Hour, ttl)
					if tt.renewErr != nil {
						return store.Lease{}, tt.renewErr
					}
					return renewed, nil
				}}
			err := renewRun(t.Context(), opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCodeFor(err), "error: %v", err)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Empty(t, errOut.String())
			cmdtest.Golden(t, out.Bytes(), *update)
		})
	}
}
