package twilio_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/twilio"
	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

const (
	validSID    = "AC0123456789abcdef0123456789abcdef"
	validKey    = "SK0123456789abcdef0123456789abcdef"
	knownSecret = "s3cretS3cretS3cretS3cretS3cret00"
)

func TestNewCredentials(t *testing.T) {
	tests := []struct {
		name        string
		creds       map[string]string
		wantErr     bool
		wantMention []string
	}{
		{name: "auth token", creds: map[string]string{"account_sid": validSID, "auth_token": knownSecret}},
		{name: "api key", creds: map[string]string{"account_sid": validSID, "api_key": validKey, "api_secret": knownSecret}},
		{name: "nothing", creds: nil, wantErr: true, wantMention: []string{"account_sid", "auth_token", "api_key"}},
		{name: "no account", creds: map[string]string{"auth_token": knownSecret}, wantErr: true, wantMention: []string{"missing account_sid"}},
		{name: "key without secret", creds: map[string]string{"account_sid": validSID, "api_key": validKey}, wantErr: true, wantMention: []string{"missing api_secret"}},
		{name: "secret without key", creds: map[string]string{"account_sid": validSID, "api_secret": knownSecret}, wantErr: true, wantMention: []string{"missing api_key"}},
		{name: "malformed account", creds: map[string]string{"account_sid": "ACnope", "auth_token": knownSecret}, wantErr: true, wantMention: []string{"account_sid must be AC"}},
		{name: "malformed token", creds: map[string]string{"account_sid": validSID, "auth_token": knownSecret + "!"}, wantErr: true, wantMention: []string{"auth_token may hold only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearTwilioEnv(t)
			p, err := twilio.New(providers.Settings{Credentials: tt.creds})
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, twilio.Name, p.Name())
				return
			}
			require.ErrorIs(t, err, providers.ErrUnauthorized)
			for _, m := range tt.wantMention {
				assert.Contains(t, err.Error(), m)
			}
			assert.NotContains(t, err.Error(), knownSecret, "an error must never show a secret")
		})
	}
}

// twilio-go reads TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN when given no credentials: the adapter
// must refuse before that can happen, whatever the environment holds.
func TestNewIgnoresTwilioEnvironment(t *testing.T) {
	t.Setenv("TWILIO_ACCOUNT_SID", validSID)
	t.Setenv("TWILIO_AUTH_TOKEN", knownSecret)
	_, err := twilio.New(providers.Settings{Credentials: map[string]string{}})
	require.ErrorIs(t, err, providers.ErrUnauthorized)
}

func TestNewOptions(t *testing.T) {
	creds := map[string]string{"account_sid": validSID, "auth_token": knownSecret}
	tests := []struct {
		name    string
		options map[string]string
		env     map[string]string
		wantErr string
	}{
		{name: "defaults", options: nil},
		{name: "caller id number", options: map[string]string{"caller_id": "number"}},
		{name: "bad caller id", options: map[string]string{"caller_id": "mine"}, wantErr: `caller_id is "mine"`},
		{name: "bundle per country", options: map[string]string{"bundle.FR": "BU0123456789abcdef0123456789abcdef"}},
		{name: "bad bundle", options: map[string]string{"bundle.FR": "bundle-1"}, wantErr: "bundle.FR"},
		{name: "bad address", options: map[string]string{"address": "AD12"}, wantErr: "address"},
		{name: "bad base url option", options: map[string]string{"base_url": "ftp://x"}, wantErr: "base_url"},
		{name: "bad base url env", env: map[string]string{twilio.EnvBaseURL: "not a url"}, wantErr: twilio.EnvBaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearTwilioEnv(t)
			_, err := twilio.New(providers.Settings{Credentials: creds, Options: tt.options, Env: envOf(tt.env)})
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// The environment's base URL wins over the config option: every host goes there.
func TestBaseURLEnvironmentWinsOverOption(t *testing.T) {
	f := newFake(t)
	clearTwilioEnv(t)
	p, err := twilio.New(providers.Settings{
		Env:         envOf(map[string]string{twilio.EnvBaseURL: f.URL}),
		Options:     map[string]string{"base_url": "http://127.0.0.1:1"},
		Credentials: map[string]string{"account_sid": f.AccountSID, "auth_token": f.AuthToken},
		HTTP:        func() *http.Client { return &http.Client{} },
	})
	require.NoError(t, err)
	_, err = p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, f.Hits(faketwilio.RoutePricing), "pricing.twilio.com rebased onto the fake")
	assert.Equal(t, 1, f.Hits(faketwilio.RouteSearch), "api.twilio.com rebased onto the fake")
}

// The option alone is honoured too, and a base path is kept in front of Twilio's paths.
func TestBaseURLOptionWithPath(t *testing.T) {
	f := newFake(t)
	clearTwilioEnv(t)
	target, err := url.Parse(f.URL)
	require.NoError(t, err)
	srv := httptest.NewServer(http.StripPrefix("/twilio", httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(srv.Close)
	p, err := twilio.New(providers.Settings{
		Options:     map[string]string{"base_url": srv.URL + "/twilio/"},
		Credentials: map[string]string{"account_sid": f.AccountSID, "auth_token": f.AuthToken},
		HTTP:        func() *http.Client { return &http.Client{} },
	})
	require.NoError(t, err)
	acct, err := p.Verify(t.Context())
	require.NoError(t, err)
	assert.Equal(t, f.AccountSID, acct)
}

func TestDescriptor(t *testing.T) {
	d := twilio.Descriptor()
	assert.Equal(t, twilio.Name, d.Name)
	assert.Equal(t, "Twilio", d.Title)
	require.Len(t, d.Auth, 2)
	assert.Equal(t, "API key", d.Auth[0].Name, "API keys first, as twilio-cli prefers them")
	assert.Equal(t, "auth token", d.Auth[1].Name)
	sid := d.Auth[1].Fields[0]
	require.NoError(t, sid.Check(validSID))
	assert.ErrorContains(t, sid.Check("SK0123456789abcdef0123456789abcdef"), "not a Twilio account SID")
	assert.Equal(t, providers.Capabilities{ForwardCalls: true, ForwardSMS: true, ReadSMS: true, SendSMS: true, Labels: true,
		BlockCalls: true, Voicemail: true, CallLog: true,
		CallsVia: "the number's Studio flow (split-based-on, connect-call-to, record-voicemail); calls and recordings read from the API, no server"},
		d.Capabilities)

	// A failed construction must not hide a typed nil in the interface.
	clearTwilioEnv(t)
	p, err := d.New(providers.Settings{})
	require.Error(t, err)
	assert.Nil(t, p)
	assert.True(t, p == nil, "Descriptor.New returned a non-nil interface on error")

	p, err = d.New(providers.Settings{Credentials: map[string]string{"account_sid": validSID, "auth_token": knownSecret}})
	require.NoError(t, err)
	for _, iface := range []any{
		(*providers.Forwarder)(nil), (*providers.Labeler)(nil), (*providers.MessageReader)(nil),
		(*providers.MessageSender)(nil), (*providers.Verifier)(nil),
	} {
		assert.True(t, reflect.TypeOf(p).Implements(reflect.TypeOf(iface).Elem()), "implements %T", iface)
	}
}

// Every Env*, Cred* and Opt* constant of the adapter is in its Descriptor, which is where
// `vnum auth login`, the credential lookup and `vnum help environment` read them.
func TestConstantsInDescriptor(t *testing.T) {
	d := twilio.Descriptor()
	described := map[string]bool{d.Endpoint.Env: true, d.Endpoint.Option: true}
	for _, v := range d.Env {
		described[v.Name] = true
	}
	for _, v := range d.Options {
		described[v.Name] = true
	}
	for _, set := range d.Auth {
		for _, c := range set.Fields {
			described[c.Key] = true
		}
	}
	src, err := os.ReadFile("twilio.go")
	require.NoError(t, err)
	consts := regexp.MustCompile(`(?m)^\s*((Env|Cred|Opt)\w+)\s*=`).FindAllStringSubmatch(string(src), -1)
	values := map[string]string{
		"EnvBaseURL": twilio.EnvBaseURL, "CredAccountSID": twilio.CredAccountSID, "CredAuthToken": twilio.CredAuthToken,
		"CredAPIKey": twilio.CredAPIKey, "CredAPISecret": twilio.CredAPISecret, "OptBaseURL": twilio.OptBaseURL,
		"OptBundle": twilio.OptBundle, "OptAddress": twilio.OptAddress, "OptCallerID": twilio.OptCallerID,
	}
	require.Len(t, consts, len(values), "a new constant needs adding to this test and to Descriptor")
	for _, m := range consts {
		v, ok := values[m[1]]
		require.True(t, ok, "%s is not in this test", m[1])
		assert.True(t, described[v], "%s (%s) is not in Descriptor", m[1], v)
	}
}

func TestVerify(t *testing.T) {
	for _, apiKey := range []bool{false, true} {
		t.Run(map[bool]string{false: "auth token", true: "api key"}[apiKey], func(t *testing.T) {
			f := newFake(t)
			var opts []setupOption
			if apiKey {
				opts = append(opts, withAPIKey())
			}
			p := newProvider(t, f, opts...)
			acct, err := p.Verify(t.Context())
			require.NoError(t, err)
			assert.Equal(t, f.AccountSID, acct)
		})
	}
}

// Credentials of a closed account are refused; a suspended one's are good but come with a
// warning, since it can buy nothing.
func TestVerifyAccountStatus(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	f.SetAccountStatus("suspended")
	_, err := p.Verify(t.Context())
	require.NoError(t, err)
	assert.Contains(t, strings.Join(p.Warnings(), "\n"), "suspended")

	f.SetAccountStatus("closed")
	_, err = p.Verify(t.Context())
	require.ErrorIs(t, err, providers.ErrUnauthorized)
	assert.Contains(t, err.Error(), "closed")
}

// A known secret must never reach an error message or the requests Twilio sees in a URL or
// form (where logs and proxies keep them).
func TestSecretsNeverLeak(t *testing.T) {
	f := newFake(t)
	f.Inject(faketwilio.RouteGetNumber, faketwilio.Fault{Status: 500, Code: 20500, Message: "Internal Server Error", Times: 10})
	f.Inject(faketwilio.RouteBuy, faketwilio.Fault{Drop: faketwilio.DropBefore})
	p := newProvider(t, f)
	bad := newProvider(t, f, withCreds(map[string]string{"account_sid": f.AccountSID, "auth_token": knownSecret}))

	var errs []error
	_, err := bad.Verify(t.Context())
	errs = append(errs, err)
	_, err = bad.List(t.Context())
	errs = append(errs, err)
	_, err = p.Get(t.Context(), faketwilio.NewSID("PN"))
	errs = append(errs, err)
	offers, err := p.Search(t.Context(), providers.Query{Country: "US", Type: providers.TypeLocal, Limit: 1})
	require.NoError(t, err)
	_, err = p.Buy(t.Context(), providers.BuyRequest{Number: offers[0].Number})
	errs = append(errs, err)
	_, err = p.Verify(t.Context()) // the account resource carries auth_token: it must stay inside
	require.NoError(t, err)

	for _, e := range errs {
		require.Error(t, e)
		for _, secret := range []string{knownSecret, f.AuthToken, f.APISecret} {
			assert.NotContains(t, e.Error(), secret)
		}
	}
	logs := strings.Join(f.Logs(), "\n")
	require.NotEmpty(t, logs)
	for _, secret := range []string{knownSecret, f.AuthToken} {
		assert.NotContains(t, logs, secret, "a secret reached a URL or form")
	}
	assert.True(t, errors.Is(errs[0], providers.ErrUnauthorized))
}
