package telnyx_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

// The inbound SMS URL of a Telnyx number is its messaging profile's webhook_url: vnum's own
// profile, read and set with GET and PATCH /v2/messaging_profiles/{id} (checked against
// Telnyx's document by the fake), shared by the numbers on it.
func TestSMSWebhook(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)
	assert.True(t, p.SMSWebhookShared())

	url, err := p.SMSWebhook(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Empty(t, url)
	const route = "https://vnum.example.org/hooks/0123/telnyx"
	require.NoError(t, p.SetSMSWebhook(t.Context(), n.ID, route))
	assert.Equal(t, route, f.ProfileWebhook(telnyx.ProfileName))
	url, err = p.SMSWebhook(t.Context(), n.ID)
	require.NoError(t, err)
	assert.Equal(t, route, url)
	assert.Contains(t, lastLog(f, "PATCH /v2/messaging_profiles/"), `"webhook_url":"`+route+`"`)

	require.NoError(t, p.SetSMSWebhook(t.Context(), n.ID, ""))
	assert.Empty(t, f.ProfileWebhook(telnyx.ProfileName))
	assert.Contains(t, lastLog(f, "PATCH /v2/messaging_profiles/"), `"webhook_url":null`)

	// A number on no profile (bought outside vnum) is put on vnum's first.
	seeded := f.Seed("US", "local", 1)[0]
	var id string
	for _, s := range f.Numbers() {
		if s.Phone == seeded {
			id = s.ID
		}
	}
	require.NotEmpty(t, id)
	_, err = p.SMSWebhook(t.Context(), id)
	require.NoError(t, err)
	for _, s := range f.Numbers() {
		if s.ID == id {
			assert.Equal(t, telnyx.ProfileName, s.MessagingProfile, "attached to vnum's profile")
		}
	}

	_, err = p.SMSWebhook(t.Context(), "0000000000000000000")
	require.ErrorIs(t, err, providers.ErrNotFound)
}

// A number on a messaging profile of the user's is not vnum's to point: its webhook serves the
// user's other numbers too.
func TestSMSWebhookLeavesUsersProfile(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	n, err := p.Buy(t.Context(), buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	call(t, f, http.MethodPost, "/v2/messaging_profiles", map[string]any{"name": "mine", "whitelisted_destinations": []string{"US"}}, &created)
	call(t, f, http.MethodPatch, "/v2/phone_numbers/"+n.ID+"/messaging", map[string]any{"messaging_profile_id": created.Data.ID}, nil)

	_, err = p.SMSWebhook(t.Context(), n.ID)
	require.ErrorIs(t, err, providers.ErrUnsupported)
	assert.Contains(t, err.Error(), `your messaging profile "mine"`)
	require.ErrorIs(t, p.SetSMSWebhook(t.Context(), n.ID, "https://vnum.example.org/x"), providers.ErrUnsupported)
	assert.Zero(t, f.Hits(telnyxtest.RouteUpdateProfile))
}

// call sends one request to the fake as the user would from elsewhere.
func call(t *testing.T, f *telnyxtest.Fake, method, path string, body, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), method, f.URL+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}
