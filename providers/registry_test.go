package providers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
)

func TestEndpointBaseURL(t *testing.T) {
	e := providers.Endpoint{Default: "https://api.example", Env: "VNUM_X_BASE_URL", Option: "base_url"}
	tests := []struct {
		name    string
		env     string
		option  string
		want    string
		wantErr string
	}{
		{name: "default", want: "https://api.example"},
		{name: "an override naming the default", env: "https://api.example/", want: "https://api.example"},
		{name: "the option", option: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{name: "the environment wins over the option", env: "https://gw.example/x/", option: "http://127.0.0.1:8080", want: "https://gw.example/x"},
		{name: "user info and query dropped", env: "https://u:p@gw.example/x?a=b#f", want: "https://gw.example/x"},
		{name: "not http", env: "ftp://gw.example", wantErr: `VNUM_X_BASE_URL "ftp://gw.example" is not an http(s) URL`},
		{name: "no host in the option", option: "https://", wantErr: `base_url "https://" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := providers.Settings{
				Env:     func(k string) string { return map[string]string{"VNUM_X_BASE_URL": tt.env}[k] },
				Options: map[string]string{"base_url": tt.option},
			}
			got, err := e.BaseURL(s)
			base, override, rerr := e.Resolve(s)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				require.EqualError(t, rerr, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NoError(t, rerr)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want, base, "Resolve's base is BaseURL's")
			if tt.want == e.Default {
				assert.Nil(t, override, "no override, or one naming the default")
			} else if assert.NotNil(t, override) {
				assert.Equal(t, tt.want, override.String())
			}
		})
	}
	got, err := providers.Endpoint{Env: "VNUM_X_BASE_URL"}.BaseURL(providers.Settings{})
	require.NoError(t, err)
	assert.Empty(t, got, "no default and no override: the adapter's SDK picks its hosts")
}

func TestRegistry(t *testing.T) {
	usable := providers.Descriptor{Name: "b", New: func(providers.Settings) (providers.Provider, error) { return nil, nil }}
	keysOnly := providers.Descriptor{Name: "a", Auth: []providers.CredentialSet{{Name: "key"}}}
	r, err := providers.NewRegistry(usable, keysOnly)
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, r.Names(), "only carriers with an adapter")
	assert.Equal(t, []string{"a"}, r.WithAuth())
	_, ok := r.Lookup("a")
	assert.True(t, ok, "a carrier without adapter is still found, for its credentials")

	_, err = providers.NewRegistry(usable, usable)
	require.ErrorContains(t, err, `provider "b" registered twice`)
	_, err = providers.NewRegistry(providers.Descriptor{})
	require.Error(t, err)
}

func TestSettingsClient(t *testing.T) {
	assert.NotNil(t, providers.Settings{}.Client(), "no HTTP: an empty client, never nil")
	assert.NotNil(t, providers.Settings{HTTP: func() *http.Client { return nil }}.Client(), "HTTP gives nil: an empty client")
	hc := &http.Client{Timeout: time.Second}
	assert.Same(t, hc, providers.Settings{HTTP: func() *http.Client { return hc }}.Client(), "the injected client itself")
}
