package vonage_test

import (
	"encoding/json"
	"errors"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/vonage"
	"github.com/vnum-cli/vnum/providers/vonage/vonagetest"
)

// keeper records what the adapter asks to keep, as the keyring would.
type keeper struct {
	kept map[string]string
	err  error
}

func (k *keeper) keep(v map[string]string) error {
	if k.err != nil {
		return k.err
	}
	k.kept = maps.Clone(v)
	return nil
}

const route = "https://serve.example/hooks/tok/vonage"

func TestPointCallsMakesTheApplicationAndPutsBack(t *testing.T) {
	f := newFake(t)
	k := &keeper{}
	p := newProvider(t, f, withKeep(k.keep))
	n := buyOne(t, p, "GB", providers.TypeMobile)
	id := n.ID
	require.True(t, f.Configure(id, map[string]string{"voiceCallbackType": "tel", "voiceCallbackValue": "447700900111",
		"moHttpUrl": "https://mine.example/sms"}))

	prev, err := p.PointCalls(t.Context(), id, route)
	require.NoError(t, err)
	apps := f.Apps()
	require.Len(t, apps, 1)
	a := apps[0]
	assert.Equal(t, route+"/answer", a.AnswerURL)
	assert.Equal(t, route+"/event", a.EventURL)
	assert.Equal(t, "POST", a.AnswerMethod)
	assert.True(t, a.SignedCallbacks, "signed_callbacks on")
	assert.True(t, a.HasPublicKey)
	// The private key is kept with the credentials, never sent.
	var kept struct{ ID, Private_Key string }
	require.NoError(t, json.Unmarshal([]byte(k.kept[vonage.CredApplication]), &kept))
	assert.Equal(t, a.ID, kept.ID)
	assert.Contains(t, kept.Private_Key, "BEGIN PRIVATE KEY")
	for _, line := range f.Logs() {
		assert.NotContains(t, line, "PRIVATE KEY")
	}
	st := f.Numbers()[0]
	assert.Equal(t, a.ID, st.AppID, "the number is linked to the application")
	assert.Empty(t, st.VoiceCallbackType, "native forwarding would win over the application")
	assert.Equal(t, "https://mine.example/sms", st.MoHTTPURL, "the rest of the configuration is kept")

	// Again, on another process with the kept key: the same application, not a second one.
	creds := map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: f.APISecret}
	maps.Copy(creds, k.kept)
	p2 := newProvider(t, f, withCreds(creds))
	_, err = p2.PointCalls(t.Context(), id, route+"/answer")
	require.NoError(t, err)
	require.Len(t, f.Apps(), 1)
	// serve moved: the application follows (PUT), still one.
	_, err = p2.PointCalls(t.Context(), id, "https://other.example/hooks/tok/vonage")
	require.NoError(t, err)
	require.Len(t, f.Apps(), 1)
	assert.Equal(t, "https://other.example/hooks/tok/vonage/answer", f.Apps()[0].AnswerURL)

	require.NoError(t, p2.UnpointCalls(t.Context(), id, prev))
	st = f.Numbers()[0]
	assert.Empty(t, st.AppID)
	// The forwarding to a phone is vnum's: the numbers layer sets the one it holds now, and a
	// put back of the old one would ring a phone dropped since.
	assert.Empty(t, st.VoiceCallbackType, "vnum's old forwarding to a phone is not put back")
	assert.Empty(t, st.VoiceCallbackValue)
	assert.Equal(t, "https://mine.example/sms", st.MoHTTPURL)

	// The recording of a call to the application downloads with its JWT.
	url := f.AddRecording(a.ID, []byte("RIFF....WAVE"))
	audio, err := p2.FetchRecording(t.Context(), url)
	require.NoError(t, err)
	assert.Equal(t, []byte("RIFF....WAVE"), audio.Data)
	// Another application's recording is refused.
	_, err = p2.FetchRecording(t.Context(), f.AddRecording("someone-else", []byte("x")))
	require.Error(t, err)

	// A process whose adapter was built before the application was made (vnum serve) reads
	// the kept credential afresh.
	before := newProvider(t, f, withFresh(func(key string) (string, error) { return k.kept[key], nil }))
	audio, err = before.FetchRecording(t.Context(), url)
	require.NoError(t, err)
	assert.Equal(t, []byte("RIFF....WAVE"), audio.Data)
	_, err = newProvider(t, f).FetchRecording(t.Context(), url)
	assert.ErrorIs(t, err, providers.ErrUnauthorized, "no application key anywhere")

	// A number gone is ErrNotFound.
	require.True(t, f.Release(id))
	assert.ErrorIs(t, p2.UnpointCalls(t.Context(), id, prev), providers.ErrNotFound)
}

// The numbers layer forwards natively before it takes the calls off serve: that forwarding to a
// phone stays when the number is put back.
func TestUnpointCallsKeepsTheForwardingSetSince(t *testing.T) {
	f := newFake(t)
	k := &keeper{}
	p := newProvider(t, f, withKeep(k.keep))
	id := buyOne(t, p, "GB", providers.TypeMobile).ID
	prev, err := p.PointCalls(t.Context(), id, route)
	require.NoError(t, err)
	_, err = p.SetForwarding(t.Context(), id, providers.Forwarding{Calls: "+447700900222"})
	require.NoError(t, err)
	require.NoError(t, p.UnpointCalls(t.Context(), id, prev))
	st := f.Numbers()[0]
	assert.Empty(t, st.AppID)
	assert.Equal(t, "tel", st.VoiceCallbackType)
	assert.Equal(t, "447700900222", st.VoiceCallbackValue)
}

// A voice callback of the user's own (SIP here) is put back as it was.
func TestPointCallsPutsBackTheUsersOwnCallback(t *testing.T) {
	f := newFake(t)
	k := &keeper{}
	p := newProvider(t, f, withKeep(k.keep))
	id := buyOne(t, p, "GB", providers.TypeMobile).ID
	require.True(t, f.Configure(id, map[string]string{"voiceCallbackType": "sip", "voiceCallbackValue": "me@sip.example"}))
	prev, err := p.PointCalls(t.Context(), id, route)
	require.NoError(t, err)
	assert.Empty(t, f.Numbers()[0].VoiceCallbackType)
	require.NoError(t, p.UnpointCalls(t.Context(), id, prev))
	st := f.Numbers()[0]
	assert.Equal(t, "sip", st.VoiceCallbackType)
	assert.Equal(t, "me@sip.example", st.VoiceCallbackValue)

	// A forwarding set while the calls were pointed (the numbers layer sets it before putting
	// them back) stays.
	prev, err = p.PointCalls(t.Context(), id, route)
	require.NoError(t, err)
	_, err = p.SetForwarding(t.Context(), id, providers.Forwarding{Calls: "+447700900111"})
	require.NoError(t, err)
	require.NoError(t, p.UnpointCalls(t.Context(), id, prev))
	st = f.Numbers()[0]
	assert.Empty(t, st.AppID)
	assert.Equal(t, "tel", st.VoiceCallbackType)
	assert.Equal(t, "447700900111", st.VoiceCallbackValue)
}

// UnpointCalls takes a number off vnum's application only: one vnum never moved (a pointing that
// failed before the change leaves a record with no "previous") keeps the application it is on.
func TestUnpointCallsLeavesANumberVnumDidNotMove(t *testing.T) {
	f := newFake(t)
	k := &keeper{}
	p := newProvider(t, f, withKeep(k.keep))
	id := buyOne(t, p, "GB", providers.TypeMobile).ID
	require.True(t, f.Configure(id, map[string]string{"app_id": "users-own-app"}))
	require.NoError(t, p.UnpointCalls(t.Context(), id, ""))
	assert.Equal(t, "users-own-app", f.Numbers()[0].AppID, "never on vnum's application: untouched")

	// On vnum's application: taken off it.
	_, err := p.PointCalls(t.Context(), id, route)
	require.NoError(t, err)
	require.NoError(t, p.UnpointCalls(t.Context(), id, ""))
	assert.Empty(t, f.Numbers()[0].AppID)
}

func TestPointCallsWithoutAPlaceForTheKey(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f) // credentials from the environment: nothing to keep a key with
	n := buyOne(t, p, "GB", providers.TypeMobile)
	_, err := p.PointCalls(t.Context(), n.ID, route)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "vnum auth login vonage")
	assert.Empty(t, f.Apps(), "no application made")
	assert.Empty(t, f.Numbers()[0].AppID)

	// The keyring refuses: the application made for nothing is deleted again.
	k := &keeper{err: errors.New("the keyring is locked")}
	p = newProvider(t, f, withKeep(k.keep))
	_, err = p.PointCalls(t.Context(), n.ID, route)
	require.ErrorContains(t, err, "the keyring is locked")
	assert.Empty(t, f.Apps())
	assert.Equal(t, 1, f.Hits(vonagetest.RouteAppDelete))
}

func TestApplicationCredentialUnusable(t *testing.T) {
	f := newFake(t)
	for _, v := range []string{`app-1`, `{"id":"app-1"}`, `{"id":"app-1","private_key":"not a key"}`} {
		p := newProvider(t, f, withCreds(map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: f.APISecret,
			vonage.CredApplication: v}))
		n := buyOne(t, p, "GB", providers.TypeMobile)
		_, err := p.PointCalls(t.Context(), n.ID, route)
		require.Error(t, err, v)
		assert.NotContains(t, err.Error(), "not a key")
		assert.Empty(t, f.Apps())
	}
}

// The key is lost (another machine, or a login that replaced the saved credentials): vnum's
// application answering on serve is found and given a new key pair, not made twice; a serve
// still holding the old key downloads with the new one once it is kept.
func TestApplicationFoundAndRekeyed(t *testing.T) {
	f := newFake(t)
	k1 := &keeper{}
	p := newProvider(t, f, withKeep(k1.keep))
	n := buyOne(t, p, "GB", providers.TypeMobile)
	_, err := p.PointCalls(t.Context(), n.ID, route)
	require.NoError(t, err)
	require.Len(t, f.Apps(), 1)
	appID := f.Apps()[0].ID

	k2 := &keeper{}
	lost := newProvider(t, f, withKeep(k2.keep))
	n2 := buyOne(t, lost, "GB", providers.TypeMobile)
	_, err = lost.PointCalls(t.Context(), n2.ID, route)
	require.NoError(t, err)
	require.Len(t, f.Apps(), 1, "found, not made twice")
	assert.Equal(t, 1, f.Hits(vonagetest.RouteAppCreate))
	assert.Equal(t, 1, f.Hits(vonagetest.RouteAppUpdate), "the new public key")
	var c1, c2 struct{ ID, Private_Key string }
	require.NoError(t, json.Unmarshal([]byte(k1.kept[vonage.CredApplication]), &c1))
	require.NoError(t, json.Unmarshal([]byte(k2.kept[vonage.CredApplication]), &c2))
	assert.Equal(t, appID, c2.ID)
	assert.NotEqual(t, c1.Private_Key, c2.Private_Key)
	for _, st := range f.Numbers() {
		assert.Equal(t, appID, st.AppID)
	}

	url := f.AddRecording(appID, []byte("RIFF"))
	// A serve built with the old key, whose saved credential now holds the new one.
	stale := newProvider(t, f, withCreds(map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: f.APISecret,
		vonage.CredApplication: k1.kept[vonage.CredApplication]}),
		withFresh(func(key string) (string, error) { return k2.kept[key], nil }))
	audio, err := stale.FetchRecording(t.Context(), url)
	require.NoError(t, err)
	assert.Equal(t, []byte("RIFF"), audio.Data)
	// Without a newer key to try, the refusal stands.
	old := newProvider(t, f, withCreds(map[string]string{vonage.CredAPIKey: f.APIKey, vonage.CredAPISecret: f.APISecret,
		vonage.CredApplication: k1.kept[vonage.CredApplication]}))
	_, err = old.FetchRecording(t.Context(), url)
	assert.ErrorIs(t, err, providers.ErrUnauthorized)
}
