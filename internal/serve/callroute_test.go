package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// nopBook is a CallBook that holds no number.
type nopBook struct{}

func (nopBook) CallRoute(context.Context, string, string) (string, providers.CallRules, bool, error) {
	return "", providers.CallRules{}, false, nil
}
func (nopBook) LogCall(context.Context, string, providers.Call) error            { return nil }
func (nopBook) SaveVoicemail(context.Context, string, providers.Voicemail) error { return nil }
func (nopBook) SaveVoicemailAudio(context.Context, string, string, providers.Audio) error {
	return nil
}
func (nopBook) PendingAudio(context.Context) ([]PendingAudio, error) { return nil, nil }

// TestCallRoutePlumbing: the shared wrapper refuses what the carrier's check refuses, before
// the answer runs, and remembers an answered request against replays.
func TestCallRoutePlumbing(t *testing.T) {
	for _, calls := range []bool{true, false} {
		cfg := Config{Store: nopPusher{}, Token: token, Now: fixedClock}
		if calls {
			cfg.Calls = nopBook{}
		}
		s, err := New(cfg)
		require.NoError(t, err)
		var answered atomic.Int32
		h := s.callRoute("test", func(r *http.Request, body []byte, _ time.Time) (string, error) {
			switch r.Header.Get("X-Test") {
			case "":
				return "", webhook.ErrUnsigned
			case "forged":
				return "", webhook.ErrForged
			case "stale":
				return "", webhook.ErrStale
			}
			return string(body), nil
		}, func(context.Context, *http.Request, []byte, time.Time) (callAnswer, error) {
			answered.Add(1)
			return callAnswer{ContentType: "text/xml", Body: []byte("<Response/>")}, nil
		})
		mux := http.NewServeMux()
		mux.HandleFunc("POST /hooks/{token}/test", h)
		do := func(path, sig, body string) int {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			if sig != "" {
				req.Header.Set("X-Test", sig)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			return rec.Code
		}
		good := "/hooks/" + token + "/test"
		if !calls {
			require.Equal(t, http.StatusNotFound, do(good, "ok", "a"), "no CallBook: the route is off")
			require.Zero(t, answered.Load())
			s.Close()
			continue
		}
		require.Equal(t, http.StatusNotFound, do("/hooks/wrong-token-0123456789/test", "ok", "a"))
		require.Equal(t, http.StatusUnauthorized, do(good, "", "a"))
		require.Equal(t, http.StatusForbidden, do(good, "forged", "a"))
		require.Equal(t, http.StatusForbidden, do(good, "stale", "a"))
		require.Zero(t, answered.Load(), "refused requests never reach the answer")
		require.Equal(t, http.StatusOK, do(good, "ok", "a"))
		require.Equal(t, http.StatusForbidden, do(good, "ok", "a"), "replayed")
		require.Equal(t, http.StatusRequestEntityTooLarge, do(good, "ok", strings.Repeat("x", MaxBody+1)))
		require.Equal(t, int32(1), answered.Load())
		s.Close()
	}
}

func TestCallURL(t *testing.T) {
	require.Equal(t, "https://vnum.example.org/hooks/tok/telnyx/calls", CallURL("https://vnum.example.org/", "tok", CallRouteTelnyx))
}

type nopPusher struct{}

func (nopPusher) AddPushed(context.Context, []store.Pushed) ([]store.PushOutcome, error) {
	return nil, nil
}
