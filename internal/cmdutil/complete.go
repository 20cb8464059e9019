package cmdutil

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/auth"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// Shell completion. Everything here reads what is on this machine, never a carrier: the local
// store for REFs (without the recovery of interrupted operations that Factory.Numbers runs, which
// may call carriers), the credential index for profiles, and tables for countries and types.
// A completion that cannot be computed offers nothing rather than failing.

// Refs says which numbers a REF argument may name.
type Refs int

const (
	// RefsHeld are the numbers vnum holds now.
	RefsHeld Refs = iota
	// RefsHeldOrEnded adds the history's numbers, for verbs that accept a number you no longer
	// hold (sms list).
	RefsHeldOrEnded
	// RefsEnded are only the history's numbers: those `buy` takes back by name.
	RefsEnded
)

// CompleteRefs completes a command's first argument, a REF, with the labels and numbers of the
// local store.
func (f *Factory) CompleteRefs(which Refs) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f.refCompletions(cmd.Context(), which, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteRefFlag completes a flag whose value is a REF (sms send --from).
func (f *Factory) CompleteRefFlag(which Refs) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return f.refCompletions(cmd.Context(), which, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *Factory) refCompletions(ctx context.Context, which Refs, toComplete string) []cobra.Completion {
	s := f.existingStore()
	if s == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var out []cobra.Completion
	seen := map[string]bool{}
	add := func(value, desc string) {
		if value == "" || seen[value] || !hasPrefixFold(value, toComplete) {
			return
		}
		seen[value] = true
		out = append(out, cobra.CompletionWithDesc(value, desc))
	}
	if which != RefsEnded {
		ns, err := s.ListNumbers(ctx)
		if err != nil {
			return nil
		}
		for _, n := range ns {
			add(n.Label, phone.Format(n.E164)+" · "+n.Provider)
		}
		for _, n := range ns {
			desc := n.Provider
			if n.Label != "" {
				desc = n.Label + " · " + n.Provider
			}
			add(n.E164, desc)
		}
	}
	if which != RefsHeld {
		hs, err := s.ListHistory(ctx)
		if err != nil {
			return out
		}
		for _, h := range slices.Backward(hs) { // the latest first, as ResolveEnded picks it
			desc := h.How + " " + h.EndedAt.Local().Format("2006-01-02")
			if h.Label != "" {
				desc = h.Label + " · " + desc
			}
			add(h.E164, desc)
		}
	}
	return out
}

// existingStore is the local store when there is one; completion never creates it.
func (f *Factory) existingStore() *store.Store {
	if f.Config == nil || f.Store == nil {
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil
	}
	if _, err := os.Stat(cfg.StoreFile()); err != nil && !cfg.SharedStore() {
		return nil
	}
	s, err := f.Store()
	if err != nil {
		return nil
	}
	return s
}

// CompleteCountries offers ISO country codes, each with its name.
func CompleteCountries(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, cc := range phone.Countries() {
		if hasPrefixFold(cc, toComplete) {
			out = append(out, cobra.CompletionWithDesc(cc, phone.CountryName(cc)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteTypes offers the number types.
func CompleteTypes(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, t := range providers.NumberTypes() {
		if hasPrefixFold(string(t), toComplete) {
			out = append(out, cobra.Completion(t))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteProviders offers the carriers --provider accepts.
func (f *Factory) CompleteProviders(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	if f.Registry != nil {
		for _, name := range f.Registry.Names() {
			if d, _ := f.Registry.Lookup(name); hasPrefixFold(name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(name, d.Title))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteAuthCarriers completes the CARRIER argument of `vnum auth login|logout`.
func (f *Factory) CompleteAuthCarriers(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, name := range auth.Providers(f.Registry) {
		if hasPrefixFold(name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(name, auth.Title(f.Registry, name)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteProfiles offers the credential profiles saved for the carrier named by the first
// argument (auth login|logout CARRIER), or for every carrier, plus "default".
func (f *Factory) CompleteProfiles(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	profiles := []string{auth.DefaultProfile}
	if f.Credentials != nil {
		if m, err := f.Credentials(); err == nil {
			carriers := m.Providers()
			if len(args) > 0 {
				carriers = []string{args[0]}
			}
			for _, c := range carriers {
				ps, _ := m.Profiles(c)
				profiles = append(profiles, ps...)
			}
		}
	}
	slices.Sort(profiles)
	var out []cobra.Completion
	for _, p := range slices.Compact(profiles) {
		if hasPrefixFold(p, toComplete) {
			out = append(out, cobra.Completion(p))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
