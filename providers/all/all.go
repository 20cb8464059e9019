// Package all builds the registry of every carrier vnum ships, explicitly: adding a carrier is
// one line here, never an init() side effect.
package all

import (
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/sandbox"
	"github.com/vnum-cli/vnum/providers/twilio"
)

// Registry returns every carrier vnum knows.
func Registry() (*providers.Registry, error) {
	return providers.NewRegistry(
		sandbox.Descriptor(),
		twilio.Descriptor(),
	)
}
