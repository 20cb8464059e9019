// Package all builds the registry of every carrier vnum ships, explicitly: adding a carrier is
// one line here, never an init() side effect.
package all

import (
	"context"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/twilio"
	"github.com/vnum-cli/vnum/providers/vonage"
)

// Registry returns every carrier vnum knows.
func Registry() (*providers.Registry, error) {
	return providers.NewRegistry(
		sandbox.Descriptor(),
		twilio.Descriptor(),
	)
}

// VerifyFunc checks a carrier's credentials (s.Credentials) with one cheap authenticated read,
// as providers.Verifier does for a built adapter: it returns the account's non-secret id, or ""
// when the carrier gives none, and an error wrapping providers.ErrUnauthorized when the carrier
// refuses the credentials.
type VerifyFunc func(ctx context.Context, s providers.Settings) (account string, err error)

// Verifiers returns the credential checks of carriers that have no adapter in Registry yet, by
// carrier name: `vnum auth login` uses them, and nothing else sees these carriers. When a
// carrier's adapter joins Registry, its entry here goes (login then verifies through the
// adapter's providers.Verifier).
func Verifiers() map[string]VerifyFunc {
	return map[string]VerifyFunc{
		telnyx.Name: telnyx.Verify,
		vonage.Name: vonage.Verify,
	}
}
