// Package all builds the registry of every carrier vnum ships, explicitly: adding a carrier is
// one line here, never an init() side effect.
package all

import (
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/twilio"
	"github.com/vnum-cli/vnum/providers/vonage"
)

// Registry returns every carrier vnum knows, one line each. A carrier whose Descriptor has no
// New (no adapter yet) is known for its credentials only.
func Registry() (*providers.Registry, error) {
	return providers.NewRegistry(
		sandbox.Descriptor(),
		telnyx.Descriptor(),
		twilio.Descriptor(),
		vonage.Descriptor(),
	)
}
