package cmdutil

import (
	"context"
	"strings"

	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
)

// Resolve finds the number REF names (label, number in any notation, or carrier id), with the
// configured country as the region for national notation.
func (f *Factory) Resolve(ctx context.Context, m *numbers.Manager, ref string) (store.Number, error) {
	if err := checkRef(ref); err != nil {
		return store.Number{}, err
	}
	// --provider, when given, picks among numbers that REF names on several carriers (the
	// configured default does not: a REF names a number on whichever carrier holds it).
	n, err := m.ResolveOn(ctx, ref, f.Region(), f.ProviderFlagName())
	if err != nil {
		return n, ResolveError(err)
	}
	return n, nil
}

// ResolveRef is Resolve over the number lifecycle (f.Numbers, which first finishes what an
// earlier run left half done): what a command's Options.Resolve is.
func (f *Factory) ResolveRef(ctx context.Context, ref string) (store.Number, error) {
	m, err := f.Numbers()
	if err != nil {
		return store.Number{}, err
	}
	return f.Resolve(ctx, m, ref)
}

// ResolveEnded finds the latest number of the history that REF names, the same way.
func (f *Factory) ResolveEnded(ctx context.Context, m *numbers.Manager, ref string) (store.HistoryEntry, error) {
	if err := checkRef(ref); err != nil {
		return store.HistoryEntry{}, err
	}
	h, err := m.ResolveEnded(ctx, ref, f.Region())
	if err != nil {
		return h, ResolveError(err)
	}
	return h, nil
}

// Region is the configured country, for numbers and senders written in national notation; ""
// when the configuration cannot be read (the command reports that error elsewhere).
func (f *Factory) Region() string {
	if cfg, err := f.Config(); err == nil {
		return cfg.Country()
	}
	return ""
}

// checkRef refuses an empty REF as the usage mistake it is (exit 2), before any lookup.
func checkRef(ref string) error {
	if strings.TrimSpace(ref) == "" {
		return FlagErrorf("empty number reference: give a label, a number or a carrier id")
	}
	return nil
}
