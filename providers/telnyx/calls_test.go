package telnyx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/telnyx"
	"github.com/vnum-cli/vnum/providers/telnyx/telnyxtest"
)

const serveRoute = "https://vnum.example.org/hooks/0123456789abcdef/telnyx/calls"

func TestCapabilitiesCallsThroughServe(t *testing.T) {
	c := telnyx.Descriptor().Capabilities
	assert.True(t, c.BlockCalls && c.Voicemail && c.CallLog && c.CallsThroughServe)
	assert.Contains(t, c.CallsVia, "TeXML application")
}

// PointCalls hands the number to one TeXML application of vnum's (made once, its voice URL
// kept current) and says what the number had; UnpointCalls gives that back.
func TestPointCallsThroughOneTexmlApp(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := t.Context()
	a, err := p.Buy(ctx, buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)
	b, err := p.Buy(ctx, buyReq(offer(t, p), "vnum-op-2"))
	require.NoError(t, err)
	require.NoError(t, f.SetConnection(a.Number, "1684641123236054244"))

	prev, err := p.PointCalls(ctx, a.ID, serveRoute)
	require.NoError(t, err)
	assert.Equal(t, "1684641123236054244", prev, "the user's connection, to give back")
	apps := f.TexmlApps()
	require.Len(t, apps, 1)
	assert.Equal(t, telnyxtest.TexmlAppState{ID: apps[0].ID, Name: "vnum", VoiceURL: serveRoute, VoiceMethod: "post"}, apps[0])
	assert.Equal(t, apps[0].ID, f.Connection(a.Number))

	prev, err = p.PointCalls(ctx, b.ID, serveRoute)
	require.NoError(t, err)
	assert.Empty(t, prev, "b was on no connection")
	assert.Zero(t, f.Hits(telnyxtest.RouteUpdateTexmlApp), "the application already says the right URL")

	prev, err = p.PointCalls(ctx, a.ID, serveRoute)
	require.NoError(t, err)
	assert.Empty(t, prev, "already on vnum's application: nothing of the user's to give back")

	// serve moved: the one application follows.
	moved := strings.Replace(serveRoute, "vnum.example.org", "calls.example.net", 1)
	_, err = p.PointCalls(ctx, a.ID, moved)
	require.NoError(t, err)
	apps = f.TexmlApps()
	require.Len(t, apps, 1, "never a second application")
	assert.Equal(t, moved, apps[0].VoiceURL)

	require.NoError(t, p.UnpointCalls(ctx, a.ID, "1684641123236054244"))
	assert.Equal(t, "1684641123236054244", f.Connection(a.Number))
	require.NoError(t, p.UnpointCalls(ctx, b.ID, ""))
	assert.Empty(t, f.Connection(b.Number))

	require.NoError(t, p.Release(ctx, b.ID))
	require.ErrorIs(t, p.UnpointCalls(ctx, b.ID, ""), providers.ErrNotFound)
	_, err = p.PointCalls(ctx, a.ID, "ftp://nope")
	require.Error(t, err)
}

// UnpointCalls puts back only a number on vnum's application: one whose pointing failed before
// the change (its record says "" for none) or that the user moved since keeps its connection.
func TestUnpointCallsLeavesANumberVnumDidNotMove(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := t.Context()
	a, err := p.Buy(ctx, buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)
	require.NoError(t, f.SetConnection(a.Number, "1684641123236054244"))
	require.NoError(t, p.UnpointCalls(ctx, a.ID, ""))
	assert.Equal(t, "1684641123236054244", f.Connection(a.Number), "never on vnum's application: untouched")

	_, err = p.PointCalls(ctx, a.ID, serveRoute)
	require.NoError(t, err)
	require.NoError(t, f.SetConnection(a.Number, "2222222222222222222"))
	require.NoError(t, p.UnpointCalls(ctx, a.ID, "1684641123236054244"))
	assert.Equal(t, "2222222222222222222", f.Connection(a.Number), "moved by the user since: untouched")
}

// Of two applications named vnum (a lost answer made a second), the one already on serve's URL
// is used and neither is changed.
func TestPointCallsPrefersTheAppOnServesURL(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := t.Context()
	a, err := p.Buy(ctx, buyReq(offer(t, p), "vnum-op-1"))
	require.NoError(t, err)
	f.AddTexmlApp("vnum", "https://old.example/hooks/x/telnyx/calls")
	onServe := f.AddTexmlApp("vnum", serveRoute)
	_, err = p.PointCalls(ctx, a.ID, serveRoute)
	require.NoError(t, err)
	assert.Equal(t, onServe, f.Connection(a.Number))
	assert.Zero(t, f.Hits(telnyxtest.RouteUpdateTexmlApp), "the application on serve's URL is taken as it is")
	assert.Equal(t, "https://old.example/hooks/x/telnyx/calls", f.TexmlApps()[0].VoiceURL)
}

func TestFetchRecordingFromTelnyx(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f)
	ctx := t.Context()
	wav := []byte("RIFF\x24\x00\x00\x00WAVEfmt ")
	id, url := f.AddRecording("call-1", "+15550001111", "+15550002222", wav, 3*time.Second)
	got, err := p.FetchRecording(ctx, url)
	require.NoError(t, err)
	assert.Equal(t, providers.Audio{ContentType: "audio/wav", Data: wav}, got)

	require.NoError(t, p.DeleteVoicemail(ctx, id))
	_, err = p.FetchRecording(ctx, url)
	require.ErrorIs(t, err, providers.ErrNotFound)
	require.ErrorIs(t, p.DeleteVoicemail(ctx, id), providers.ErrNotFound)

	// Not https, not Telnyx's: never asked.
	_, err = p.FetchRecording(ctx, "http://storage.example.com/r.wav")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not https")
}

// A signed storage URL on another host is fetched without the API key.
func TestFetchRecordingElsewhereWithoutKey(t *testing.T) {
	f := newFake(t)
	var auth []string
	storage := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		if r.URL.Query().Get("X-Amz-Signature") != "ok" {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "audio/mpeg")
		_, _ = w.Write([]byte("ID3"))
	}))
	t.Cleanup(storage.Close)
	env := map[string]string{telnyx.EnvBaseURL: f.URL}
	p, err := telnyx.New(providers.Settings{Env: func(k string) string { return env[k] },
		Credentials: map[string]string{telnyx.CredAPIKey: f.APIKey}, HTTP: storage.Client})
	require.NoError(t, err)
	got, err := p.FetchRecording(t.Context(), storage.URL+"/r/abc.mp3?X-Amz-Signature=ok")
	require.NoError(t, err)
	assert.Equal(t, providers.Audio{ContentType: "audio/mpeg", Data: []byte("ID3")}, got)
	_, err = p.FetchRecording(t.Context(), storage.URL+"/r/abc.mp3?X-Amz-Signature=old")
	require.ErrorIs(t, err, providers.ErrNotFound, "an expired signed URL")
	assert.NotContains(t, err.Error(), "X-Amz-Signature")
	assert.Equal(t, []string{"", ""}, auth, "the key stays with Telnyx")
}

// Telnyx's API handing the download on to its storage: followed without the key.
func TestFetchRecordingRedirectedToStorage(t *testing.T) {
	f := newFake(t)
	var auth []string
	storage := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write([]byte("RIFF-from-storage"))
	}))
	t.Cleanup(storage.Close)
	env := map[string]string{telnyx.EnvBaseURL: f.URL}
	p, err := telnyx.New(providers.Settings{Env: func(k string) string { return env[k] },
		Credentials: map[string]string{telnyx.CredAPIKey: f.APIKey}, HTTP: storage.Client})
	require.NoError(t, err)
	_, media := f.AddRecording("call-1", "+15550001111", "+15550002222", []byte("RIFF"), time.Second)
	f.RedirectRecordings(storage.URL + "/r")
	got, err := p.FetchRecording(t.Context(), media)
	require.NoError(t, err)
	assert.Equal(t, "RIFF-from-storage", string(got.Data))
	assert.Equal(t, []string{""}, auth, "the key is not sent on to the storage host")

	f.RedirectRecordings(strings.Replace(storage.URL, "https://", "http://", 1))
	_, err = p.FetchRecording(t.Context(), media)
	require.ErrorContains(t, err, "not https")
}
