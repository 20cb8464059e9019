// Package providertest checks carrier adapters against what vnum expects of them, and offers an
// in-memory carrier for tests of code that drives providers.
//
// Suite is the conformance suite: every adapter adopts it in a few lines, the sandbox on each
// run, the real carriers in live runs against their test accounts. Fake is the in-memory carrier
// for unit tests of vnum's number lifecycle and commands.
package providertest

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

// Suite runs the conformance tests against one carrier. Each Test* method is one test, run as a
// subtest by Run; adapters call Run and do not call the methods themselves.
type Suite struct {
	// New returns a provider on a fresh, empty account.
	New func(t *testing.T) providers.Provider
	// Country and Type to search and buy in; defaults "US" and providers.TypeLocal.
	Country string
	Type    providers.NumberType
	// Deliver, when set, makes an inbound SMS reach the number (enables the MessageReader tests).
	Deliver func(t *testing.T, p providers.Provider, n providers.Number, from, text string)
	// NewUnauthorized, when set, returns a provider whose credentials the carrier rejects.
	NewUnauthorized func(t *testing.T) providers.Provider
	// NoAccountID says the carrier names no account when credentials are verified (Telnyx's
	// balance does not): Verify then succeeds with "".
	NoAccountID bool
}

// Numbers the suite uses as the far end of forwarding and SMS. Both lie in ranges reserved for
// fiction (Ofcom's London drama range, NANP 555-01xx) and are valid for libphonenumber, so a
// carrier accepts them and a live run cannot reach anyone.
const (
	forwardTarget = "+442079460123"
	smsPeer       = "+12025550143"
	smsSender     = "+12025550188"
)

// promptly bounds how long a call with a cancelled context may take.
const promptly = 2 * time.Second

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Run runs every Test* method of the suite as a subtest of t.
func (s Suite) Run(t *testing.T) {
	t.Helper()
	if s.New == nil {
		t.Fatal("providertest: Suite.New is required")
	}
	if s.Country == "" {
		s.Country = "US"
	}
	if s.Type == "" {
		s.Type = providers.TypeLocal
	}
	v := reflect.ValueOf(&s)
	for i := range v.NumMethod() {
		name := v.Type().Method(i).Name
		if !strings.HasPrefix(name, "Test") {
			continue
		}
		test, ok := v.Method(i).Interface().(func(*testing.T))
		if !ok {
			t.Fatalf("providertest: %s must be func(*testing.T)", name)
		}
		t.Run(strings.TrimPrefix(name, "Test"), test)
	}
}

// query is the search every test starts from.
func (s *Suite) query(limit int) providers.Query {
	return providers.Query{Country: s.Country, Type: s.Type, Limit: limit}
}

// buy buys a number of the suite's country and type, trying the next offer when one was sold in
// the meantime, and releases it when the test ends so live runs do not leave numbers behind.
func (s *Suite) buy(t *testing.T, p providers.Provider, needSMS bool, label string) providers.Number {
	t.Helper()
	q := s.query(5)
	q.SMS = needSMS
	offers, err := p.Search(t.Context(), q)
	require.NoError(t, err, "search")
	if len(offers) == 0 && needSMS {
		t.Skipf("no %s %s numbers that take SMS for sale", s.Country, s.Type)
	}
	require.NotEmpty(t, offers, "search %+v found nothing to buy", q)
	for _, a := range offers {
		n, err := p.Buy(t.Context(), providers.BuyRequest{Number: a.Number, Country: a.Country, Type: a.Type, Label: label})
		if errors.Is(err, providers.ErrUnavailable) {
			continue
		}
		require.NoError(t, err, "buy %s", a.Number)
		t.Cleanup(func() {
			// t.Context is already cancelled when cleanups run.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
			defer cancel()
			if err := p.Release(ctx, n.ID); err != nil && !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("cleanup: release %s: %v", n.Number, err)
			}
		})
		return n
	}
	t.Fatalf("every number offered by search %+v was unavailable", q)
	return providers.Number{}
}

// requireKind checks that err is the carrier's refusal of the given kind, as a *providers.Error
// naming the carrier, so callers can show the carrier's own message.
func requireKind(t *testing.T, p providers.Provider, err, kind error) {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var perr *providers.Error
	require.ErrorAs(t, err, &perr, "a carrier refusal must be a *providers.Error")
	require.Equal(t, p.Name(), perr.Provider, "providers.Error.Provider")
}

// requirePrompt checks that a call made with a cancelled context failed at once with the
// context's error.
func requirePrompt(t *testing.T, what string, start time.Time, err error) {
	t.Helper()
	require.ErrorIs(t, err, context.Canceled, "%s with a cancelled context", what)
	require.Less(t, time.Since(start), promptly, "%s with a cancelled context must return promptly", what)
}

func validFor(number, country string) bool {
	n, err := phonenumbers.Parse(number, "")
	return err == nil && phonenumbers.IsValidNumberForRegion(n, country)
}

func listed(ns []providers.Number, id string) (providers.Number, bool) {
	i := slices.IndexFunc(ns, func(n providers.Number) bool { return n.ID == id })
	if i < 0 {
		return providers.Number{}, false
	}
	return ns[i], true
}
