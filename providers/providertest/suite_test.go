package providertest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/providertest"
)

// The suite is only worth something if it fails carriers that break vnum's expectations. Each
// broken provider below is a Fake breaking one promise; TestSuiteCatchesBrokenProviders runs the
// suite on it in a child process and expects the named test to fail.

const brokenEnv = "PROVIDERTEST_BROKEN"

type deliverer interface {
	Deliver(id, from, text string) (providers.Message, error)
}

// releaseKeeps says it released the number but keeps it.
type releaseKeeps struct{ *providertest.Fake }

func (releaseKeeps) Release(context.Context, string) error { return nil }

// buysTwice sells a number the account already owns.
type buysTwice struct{ *providertest.Fake }

func (b buysTwice) Buy(ctx context.Context, req providers.BuyRequest) (providers.Number, error) {
	n, err := b.Fake.Buy(ctx, req)
	if errors.Is(err, providers.ErrUnavailable) {
		return providers.Number{ID: "FKDOUBLE", Number: req.Number, State: providers.StateActive}, nil
	}
	return n, err
}

// wrongCountry labels its offers with another country.
type wrongCountry struct{ *providertest.Fake }

func (w wrongCountry) Search(ctx context.Context, q providers.Query) ([]providers.Available, error) {
	offers, err := w.Fake.Search(ctx, q)
	for i := range offers {
		offers[i].Country = "ZZ"
	}
	return offers, err
}

// ignoresCancel keeps listing after its caller gave up.
type ignoresCancel struct{ *providertest.Fake }

func (i ignoresCancel) List(ctx context.Context) ([]providers.Number, error) {
	return i.Fake.List(context.WithoutCancel(ctx))
}

// bareSentinel returns the sentinel without the carrier's *providers.Error.
type bareSentinel struct{ *providertest.Fake }

func (b bareSentinel) Get(ctx context.Context, id string) (providers.Number, error) {
	n, err := b.Fake.Get(ctx, id)
	if errors.Is(err, providers.ErrNotFound) {
		return n, providers.ErrNotFound
	}
	return n, err
}

// newestFirst lists messages in the wrong order.
type newestFirst struct{ *providertest.Fake }

func (n newestFirst) Messages(ctx context.Context, id string, since time.Time) ([]providers.Message, error) {
	msgs, err := n.Fake.Messages(ctx, id, since)
	slices.Reverse(msgs)
	return msgs, err
}

// hidden claims every capability but implements no optional interface.
type hidden struct {
	providers.Provider
	fake *providertest.Fake
}

func (h hidden) Deliver(id, from, text string) (providers.Message, error) {
	return h.fake.Deliver(id, from, text)
}

// labelsAnyway reports no label support, yet labels without ErrUnsupported.
type labelsAnyway struct{ *providertest.Fake }

func (l labelsAnyway) Capabilities() providers.Capabilities {
	c := l.Fake.Capabilities()
	c.Labels = false
	return c
}

func brokenProviders() map[string]func() providers.Provider {
	return map[string]func() providers.Provider{
		"none":          func() providers.Provider { return providertest.NewFake() },
		"releaseKeeps":  func() providers.Provider { return releaseKeeps{providertest.NewFake()} },
		"buysTwice":     func() providers.Provider { return buysTwice{providertest.NewFake()} },
		"wrongCountry":  func() providers.Provider { return wrongCountry{providertest.NewFake()} },
		"ignoresCancel": func() providers.Provider { return ignoresCancel{providertest.NewFake()} },
		"bareSentinel":  func() providers.Provider { return bareSentinel{providertest.NewFake()} },
		"newestFirst":   func() providers.Provider { return newestFirst{providertest.NewFake()} },
		"hidden": func() providers.Provider {
			f := providertest.NewFake()
			return hidden{Provider: f, fake: f}
		},
		"labelsAnyway": func() providers.Provider { return labelsAnyway{providertest.NewFake()} },
	}
}

// TestBrokenProvider runs the suite on the provider PROVIDERTEST_BROKEN names; it only runs as
// the child process of TestSuiteCatchesBrokenProviders.
func TestBrokenProvider(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenProviders")
	}
	newBroken := brokenProviders()[name]
	require.NotNil(t, newBroken, "unknown broken provider %q", name)
	providertest.Suite{
		New: func(*testing.T) providers.Provider { return newBroken() },
		Deliver: func(t *testing.T, p providers.Provider, n providers.Number, from, text string) {
			_, err := p.(deliverer).Deliver(n.ID, from, text)
			require.NoError(t, err)
		},
		NewUnauthorized: unauthorizedFake,
	}.Run(t)
}

func TestSuiteCatchesBrokenProviders(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("already in a child process")
	}
	tests := []struct {
		broken   string
		wantFail string // "" means the suite must pass
	}{
		{"none", ""},
		{"releaseKeeps", "BuyListRelease"},
		{"buysTwice", "BuyTwice"},
		{"wrongCountry", "Search"},
		{"ignoresCancel", "CancelledContext"},
		{"bareSentinel", "BuyListRelease"},
		{"newestFirst", "Messages"},
		{"hidden", "OptionalInterfaces"},
		{"labelsAnyway", "OptionalInterfaces"},
	}
	for _, tt := range tests {
		t.Run(tt.broken, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenProvider$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.broken)
			out, err := cmd.CombinedOutput()
			if tt.wantFail == "" {
				require.NoError(t, err, "the suite fails a correct provider:\n%s", out)
				return
			}
			require.Error(t, err, "the suite passes a provider that is %s:\n%s", tt.broken, out)
			assert.Contains(t, string(out), "--- FAIL: TestBrokenProvider/"+tt.wantFail+" ", "output:\n%s", out)
		})
	}
}
