package serve

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

// CallBook is what serve's call routes need from the store and the user's settings.
type CallBook interface {
	// CallRoute returns how the number `to` (E.164) held on provider treats calls;
	// found=false when vnum holds no such number (serve turns the call away).
	CallRoute(ctx context.Context, provider, to string) (forwardTo string, r providers.CallRules, found bool, err error)
	// LogCall records a call, or updates it by (provider, call id) as it progresses.
	LogCall(ctx context.Context, provider string, c providers.Call) error
	// SaveVoicemail stores a message (audio may come later through SaveVoicemailAudio).
	SaveVoicemail(ctx context.Context, provider string, v providers.Voicemail) error
	SaveVoicemailAudio(ctx context.Context, provider, voicemailID string, a providers.Audio) error
	// PendingAudio lists the voicemails whose recording serve was told of (RecordingURL) but
	// has not stored yet: a download that failed is tried again on serve's next pass.
	PendingAudio(ctx context.Context) ([]PendingAudio, error)
}

// AudioGone is a CallBook that can stop waiting for a recording the carrier no longer has (its
// URL expired): serve's passes then stop asking for it. Optional, so that a CallBook of tests
// needs none.
type AudioGone interface {
	DropPendingAudio(ctx context.Context, provider, voicemailID string) error
}

// PendingAudio is a voicemail whose recording is still at the carrier.
type PendingAudio struct {
	Provider, VoicemailID, URL string
}

// RecordingSource returns the carrier's recording downloader (its adapter, with the account's
// credentials); an error when it cannot be built (no credentials).
type RecordingSource func(provider string) (providers.RecordingFetcher, error)

// Call routes, the path after /hooks/<token>/. Each carrier's call-control callbacks come back
// to the same path (Telnyx: ?step=dialed|recorded).
const (
	CallRouteTelnyx       = RouteTelnyx + "/calls"
	CallRouteVonageAnswer = RouteVonage + "/answer"
	CallRouteVonageEvent  = RouteVonage + "/event"
)

// CallURL is the public URL of a call route under base (serve's public URL) with the path token.
func CallURL(base, token, route string) string {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + "/hooks/" + token + "/" + route
}

// recordingTimeout bounds one recording download (run after the carrier was answered).
const recordingTimeout = 30 * time.Second

// callVerifyFunc authenticates one carrier's call request (body already read) and returns the
// key a replay of it is known by; errRouteOff, webhook.ErrUnsigned, ErrForged or ErrStale when
// it is refused.
type callVerifyFunc func(r *http.Request, body []byte, now time.Time) (replayKey string, err error)

// callAnswer is how a call request is answered, and what its log line says.
type callAnswer struct {
	CallID, Step, Outcome string
	ContentType           string
	Body                  []byte
	// After runs once the answer is written, in the background (a recording's download: the
	// carrier is not kept waiting); the server's Close waits for it.
	After func(ctx context.Context)
}

// callAnswerFunc handles an authenticated call request: it records what it learnt through
// Config.Calls and says how to answer. An error is answered 503 and the request is not
// remembered against replays: the carrier sends it again.
type callAnswerFunc func(ctx context.Context, r *http.Request, body []byte, now time.Time) (callAnswer, error)

// callRoute is route's counterpart for the call routes: path token, body cap, the carrier's
// signature, replay check, then answer; one log line per request without a secret, a caller's
// number or the path token. With no Config.Calls the route is off (404).
func (s *Server) callRoute(carrier string, verify callVerifyFunc, answer callAnswerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		log := s.cfg.Logger
		fail := func(status int, reason string, err error) {
			http.Error(w, http.StatusText(status), status)
			log.LogAttrs(r.Context(), slog.LevelWarn, "call webhook refused", slog.String("carrier", carrier),
				slog.String("remote", r.RemoteAddr), slog.Int("status", status), slog.String("reason", reason),
				slog.String("error", errString(err)), slog.Float64("duration_ms", msSince(start)))
		}
		body, ok := s.admit(w, r, s.cfg.Calls != nil, fail)
		if !ok {
			return
		}
		now := s.cfg.Now()
		key, err := verify(r, body, now)
		if err != nil {
			status, reason := refusal(err)
			fail(status, reason, nil) // not err: it may quote the payload
			return
		}
		if s.replays.Seen(key, now) {
			fail(http.StatusForbidden, "replayed", errReplayed)
			return
		}
		a, err := answer(r.Context(), r, body, now)
		if errors.Is(err, webhook.ErrMalformed) {
			fail(http.StatusBadRequest, "malformed", nil) // the error may quote the payload
			return
		}
		if err != nil {
			fail(http.StatusServiceUnavailable, "store", err)
			return
		}
		s.replays.Add(key, now)
		if a.ContentType != "" {
			w.Header().Set("Content-Type", a.ContentType)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(a.Body)
		if a.After != nil {
			s.background(r.Context(), a.After)
		}
		if log.Enabled(r.Context(), slog.LevelInfo) {
			log.LogAttrs(r.Context(), slog.LevelInfo, "call webhook", slog.String("carrier", carrier),
				slog.String("remote", r.RemoteAddr), slog.String("call_id", a.CallID), slog.String("step", a.Step),
				slog.Int("status", http.StatusOK), slog.String("outcome", a.Outcome), slog.Float64("duration_ms", msSince(start)))
		}
	}
}

// background runs f after the request, detached from its cancellation; Close waits for it.
func (s *Server) background(ctx context.Context, f func(context.Context)) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		f(context.WithoutCancel(ctx))
	}()
}

// fetchAfterAnswer is the callAnswer.After of a step that named a recording: it is downloaded
// once the carrier has its answer (carriers keep recording URLs a short while); a failure is
// logged, without the URL (it may sign the download), and tried again by serve's next pass
// (PendingAudio).
func (s *Server) fetchAfterAnswer(p PendingAudio) func(context.Context) {
	return func(ctx context.Context) {
		if err := s.fetchAudio(ctx, p); err != nil {
			s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "voicemail download failed; tried again on the next pass",
				slog.String("carrier", p.Provider), slog.String("voicemail_id", p.VoicemailID), slog.String("error", err.Error()))
		}
	}
}

// FetchPendingAudio downloads the recordings serve was told of and could not store yet (serve's
// periodic pass calls it); it returns how many it stored, and the first failure.
func (s *Server) FetchPendingAudio(ctx context.Context) (int, error) {
	if s.cfg.Calls == nil {
		return 0, nil
	}
	pending, err := s.cfg.Calls.PendingAudio(ctx)
	if err != nil {
		return 0, err
	}
	stored := 0
	var first error
	for _, p := range pending {
		if err := s.fetchAudio(ctx, p); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		stored++
	}
	return stored, first
}

// fetchAudio downloads one recording with the carrier's credentials and stores it.
func (s *Server) fetchAudio(ctx context.Context, p PendingAudio) error {
	if s.cfg.Recordings == nil {
		return errors.New("no recording downloader configured")
	}
	f, err := s.cfg.Recordings(p.Provider)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, recordingTimeout)
	defer cancel()
	a, err := f.FetchRecording(ctx, p.URL)
	if errors.Is(err, providers.ErrNotFound) {
		if g, ok := s.cfg.Calls.(AudioGone); ok {
			err = errors.Join(err, g.DropPendingAudio(context.WithoutCancel(ctx), p.Provider, p.VoicemailID))
		}
	}
	if err != nil {
		return err
	}
	return s.cfg.Calls.SaveVoicemailAudio(ctx, p.Provider, p.VoicemailID, a)
}
