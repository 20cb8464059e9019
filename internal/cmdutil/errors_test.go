package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vnum-cli/vnum/internal/config"
	"github.com/vnum-cli/vnum/internal/prompter"
	"github.com/vnum-cli/vnum/providers"
)

func TestExitCodeFor(t *testing.T) {
	carrier := func(kind error) error {
		return fmt.Errorf("buy: %w", &providers.Error{Provider: "twilio", Kind: kind, Message: "x"})
	}
	tests := []struct {
		name string
		err  error
		want ExitCode
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitFailure},
		{"the outermost code wins", &ExitError{Code: ExitUsage, Err: carrier(providers.ErrNotFound)}, ExitUsage},
		{"bad setting", fmt.Errorf("load: %w", &config.Error{Where: "VNUM_COUNTRY", Key: "country", Err: errors.New("x")}), ExitUsage},
		{"flag", FlagErrorf("bad --ttl"), ExitUsage},
		{"cancel", fmt.Errorf("x: %w", ErrCancel), ExitCancelled},
		{"input ended at a prompt", fmt.Errorf("x: %w", prompter.ErrNoAnswer), ExitCancelled},
		{"auth missing", &ExitError{Code: ExitAuth, Err: errors.New("run vnum auth login")}, ExitAuth},
		{"carrier 401", carrier(providers.ErrUnauthorized), ExitAuth},
		{"no match", &ExitError{Code: ExitNotFound, Err: errors.New("no number matches")}, ExitNotFound},
		{"carrier 404", carrier(providers.ErrNotFound), ExitNotFound},
		{"sms timeout", &ExitError{Code: ExitTimeout, Err: errors.New("no message")}, ExitTimeout},
		{"rate limited", carrier(providers.ErrRateLimited), ExitRetryLater},
		{"5xx", carrier(providers.ErrTemporary), ExitRetryLater},
		{"http timeout", fmt.Errorf("get: %w", context.DeadlineExceeded), ExitRetryLater},
		{"paperwork", carrier(providers.ErrPaperwork), ExitRefused},
		{"funds", carrier(providers.ErrInsufficientFunds), ExitRefused},
		{"taken", carrier(providers.ErrUnavailable), ExitRefused},
		{"stock", carrier(providers.ErrOutOfStock), ExitRefused},
		{"max price", &ExitError{Code: ExitRefused, Err: errors.New("over")}, ExitRefused},
		{"interrupted", context.Canceled, ExitInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ExitCodeFor(tt.err))
		})
	}
}

func TestValidateLabel(t *testing.T) {
	for _, ok := range []string{"", "shop", "dating-2", "a.b_c@d:e", "été"} {
		assert.NoError(t, ValidateLabel(ok), ok)
	}
	for _, bad := range []string{"two words", "+33612345678", "0612345678", "tab\there", "glob*", string(make([]byte, 65))} {
		assert.Error(t, ValidateLabel(bad), bad)
	}
}
