package cmdutil

import (
	"context"

	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
)

// Resolve finds the number REF names (label, number in any notation, or carrier id), with the
// configured country as the region for national notation.
func (f *Factory) Resolve(ctx context.Context, m *numbers.Manager, ref string) (store.Number, error) {
	region := ""
	if cfg, err := f.Config(); err == nil {
		region = cfg.Country()
	}
	n, err := m.Resolve(ctx, ref, region)
	if err != nil {
		return n, ResolveError(err)
	}
	return n, nil
}
