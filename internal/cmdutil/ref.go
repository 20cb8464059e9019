package cmdutil

import (
	"context"

	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
)

// Resolve finds the number REF names (label, number in any notation, or carrier id), with the
// configured country as the region for national notation.
func (f *Factory) Resolve(ctx context.Context, m *numbers.Manager, ref string) (store.Number, error) {
	n, err := m.Resolve(ctx, ref, f.region())
	if err != nil {
		return n, ResolveError(err)
	}
	return n, nil
}

// ResolveEnded finds the latest number of the history that REF names, the same way.
func (f *Factory) ResolveEnded(ctx context.Context, m *numbers.Manager, ref string) (store.HistoryEntry, error) {
	h, err := m.ResolveEnded(ctx, ref, f.region())
	if err != nil {
		return h, ResolveError(err)
	}
	return h, nil
}

// region is the configured country, for numbers written in national notation.
func (f *Factory) region() string {
	if cfg, err := f.Config(); err == nil {
		return cfg.Country()
	}
	return ""
}
