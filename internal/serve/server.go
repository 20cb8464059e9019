// Package serve is `vnum serve`'s HTTP server: one route per carrier behind an unguessable path
// segment, each request authenticated by its carrier's signature before anything is stored,
// each inbound SMS committed to the store once (by carrier message id) before the carrier is
// told it was received. It knows the store and the webhook verifiers, never the CLI.
package serve

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/webhook"
	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	twiliowh "github.com/vnum-cli/vnum/internal/webhook/twilio"
	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
)

// Limits and timeouts. Carriers send small requests and want a fast answer (Telnyx: within 2 s).
const (
	// MaxBody caps a webhook's body: an SMS webhook is a few kilobytes at most.
	MaxBody = 64 << 10
	// ShutdownGrace is how long a stop waits for requests under way to finish.
	ShutdownGrace = 10 * time.Second

	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 16 << 10
	maxBatch          = 256
	replayMemory      = 100_000
)

// Carrier route names, the last path segment: /hooks/<token>/<name>.
const (
	RouteTwilio  = "twilio"
	RouteTelnyx  = "telnyx"
	RouteVonage  = "vonage"
	RouteSandbox = "sandbox"
)

// Config wires a Server. A nil verifier turns its carrier's route off (404).
type Config struct {
	Store Pusher
	// Token is the path segment every route sits behind.
	Token string
	// PublicURL is the base URL carriers were given (scheme and host, optionally a path prefix
	// the proxy strips); Twilio's signature covers it. "" means the URL as the request says.
	PublicURL string
	// TrustForwarded makes X-Forwarded-Proto and X-Forwarded-Host stand for the URL's scheme
	// and host when PublicURL is "": only behind a proxy that sets them.
	TrustForwarded bool

	Twilio  *twiliowh.Verifier
	Telnyx  *telnyxwh.Verifier
	Vonage  *vonagewh.Verifier
	Sandbox *sandboxwh.Verifier

	// Logger gets one line per request, never a message's text, a secret or the path token.
	Logger *slog.Logger
	// Now is the clock signatures' timestamps are checked against.
	Now func() time.Time
	// Stored, when set, is called after a commit stored a new message: the SMS relay's wake-up.
	Stored func()

	// Calls is what the call routes read and write; nil turns them off (404).
	Calls CallBook
	// Recordings downloads the voicemails the carriers name in their call webhooks.
	Recordings RecordingSource
}

// Server answers the carriers.
type Server struct {
	cfg     Config
	writer  *writer
	replays *replays
	mux     *http.ServeMux
	bg      sync.WaitGroup // work after a request: recording downloads
}

// New builds a server; Close (or Serve's return) stops its store writer.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || len(cfg.Token) < 16 {
		return nil, fmt.Errorf("serve: a store and a path token of 16 characters or more are needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	s := &Server{cfg: cfg, writer: newWriter(cfg.Store, maxBatch, cfg.Stored), replays: newReplays(2*webhook.Tolerance, replayMemory)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("POST /hooks/{token}/"+RouteTwilio, s.route(RouteTwilio, s.twilio))
	mux.HandleFunc("POST /hooks/{token}/"+RouteTelnyx, s.route(RouteTelnyx, s.telnyx))
	mux.HandleFunc("GET /hooks/{token}/"+RouteVonage, s.route(RouteVonage, s.vonage))
	mux.HandleFunc("POST /hooks/{token}/"+RouteVonage, s.route(RouteVonage, s.vonage))
	mux.HandleFunc("POST /hooks/{token}/"+RouteSandbox, s.route(RouteSandbox, s.sandbox))
	// Calls answered by serve (Config.Calls; off without it).
	mux.HandleFunc("POST /hooks/{token}/"+CallRouteTelnyx, s.callRoute(RouteTelnyx, s.telnyxCallVerify, s.telnyxCall))
	mux.HandleFunc("POST /hooks/{token}/"+CallRouteVonageAnswer, s.callRoute(RouteVonage, s.vonageVerifyCall, s.vonageAnswer))
	mux.HandleFunc("POST /hooks/{token}/"+CallRouteVonageEvent, s.callRoute(RouteVonage, s.vonageVerifyCall, s.vonageEvent))
	s.mux = mux
	return s, nil
}

// Handler is the server's routes, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Close waits for the work requests left to do (recording downloads) and stops the store
// writer; call it only once no request can arrive.
func (s *Server) Close() {
	s.bg.Wait()
	s.writer.Close()
}

// Serve answers on ln until ctx is done, then stops taking requests, lets those under way finish
// (at most ShutdownGrace) and returns. Every request answered with success has its message
// committed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.cfg.Logger.Info("stopping: finishing the requests under way")
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Routes returns each enabled carrier's URL under base (PublicURL, or http://listen-address).
func (s *Server) Routes(base string) map[string]string {
	base = strings.TrimSuffix(base, "/")
	out := map[string]string{}
	for name, on := range map[string]bool{RouteTwilio: s.cfg.Twilio != nil, RouteTelnyx: s.cfg.Telnyx != nil,
		RouteVonage: s.cfg.Vonage != nil, RouteSandbox: s.cfg.Sandbox != nil} {
		if on {
			out[name] = base + "/hooks/" + s.cfg.Token + "/" + name
		}
	}
	return out
}

// verifyFunc checks one carrier's request (body already read) and says how to answer success.
type verifyFunc func(r *http.Request, body []byte, now time.Time) (webhook.Result, func(http.ResponseWriter), error)

// errReplayed: a signature already acknowledged came again.
var errReplayed = errors.New("replayed request")

// errRouteOff: the carrier's route is not enabled (no key or token to check its requests).
var errRouteOff = errors.New("route not enabled")

func (s *Server) route(carrier string, verify verifyFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One LogAttrs call per request: a Logger.With per request formatted its attributes
		// twice (BenchmarkLoad).
		log := s.cfg.Logger
		fail := func(status int, reason string, err error) {
			http.Error(w, http.StatusText(status), status)
			log.LogAttrs(r.Context(), slog.LevelWarn, "webhook refused", slog.String("carrier", carrier),
				slog.String("remote", r.RemoteAddr), slog.Int("status", status), slog.String("reason", reason),
				slog.String("error", errString(err)), slog.Float64("duration_ms", msSince(start)))
		}
		body, admitted := s.admit(w, r, true, fail)
		if !admitted {
			return
		}
		now := s.cfg.Now()
		res, ok, err := verify(r, body, now)
		if err != nil {
			status, reason := refusal(err)
			fail(status, reason, nil) // not err: it may quote the payload
			return
		}
		if s.replays.Seen(res.ReplayKey, now) {
			fail(http.StatusForbidden, "replayed", errReplayed)
			return
		}
		outcome, msgID := "nothing to store", ""
		if in := res.Inbound; in != nil {
			p := store.Pushed{Provider: carrier, Message: in.Message}
			if p.Message.ReceivedAt.IsZero() {
				p.Message.ReceivedAt = now.UTC()
			}
			if in.Part != nil {
				p.Part = &store.PushedPart{Ref: in.Part.Ref, Index: in.Part.Index, Total: in.Part.Total}
			}
			o, err := s.writer.Add(r.Context(), p)
			if err != nil {
				// Not acknowledged: the carrier sends it again later.
				fail(http.StatusServiceUnavailable, "store", err)
				return
			}
			outcome = o.String()
			msgID = in.Message.ID
		}
		s.replays.Add(res.ReplayKey, now)
		ok(w)
		if log.Enabled(r.Context(), slog.LevelInfo) {
			attrs := make([]slog.Attr, 0, 6)
			attrs = append(attrs, slog.String("carrier", carrier), slog.String("remote", r.RemoteAddr))
			if msgID != "" {
				attrs = append(attrs, slog.String("carrier_msg_id", msgID))
			}
			attrs = append(attrs, slog.Int("status", http.StatusOK), slog.String("outcome", outcome),
				slog.Float64("duration_ms", msSince(start)))
			log.LogAttrs(r.Context(), slog.LevelInfo, "webhook", attrs...)
		}
	}
}

// admit checks what every webhook route checks first, the path token and (when open, the route
// being enabled) the body cap, and reads the body; ok is false once the request was refused
// through fail.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, open bool, fail func(status int, reason string, err error)) (body []byte, ok bool) {
	if subtle.ConstantTimeCompare([]byte(r.PathValue("token")), []byte(s.cfg.Token)) != 1 {
		fail(http.StatusNotFound, "unknown path", nil)
		return nil, false
	}
	if !open {
		fail(http.StatusNotFound, "route not enabled", nil)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, "body too large", nil)
			return nil, false
		}
		fail(http.StatusBadRequest, "body unreadable", err)
		return nil, false
	}
	return body, true
}

// refusal is the status and log reason of a request a route's verifier refused (err != nil).
func refusal(err error) (status int, reason string) {
	switch {
	case errors.Is(err, errRouteOff):
		return http.StatusNotFound, "route not enabled"
	case errors.Is(err, webhook.ErrUnsigned):
		return http.StatusUnauthorized, "unsigned"
	case errors.Is(err, webhook.ErrForged):
		return http.StatusForbidden, "bad signature"
	case errors.Is(err, webhook.ErrStale):
		return http.StatusForbidden, "stale timestamp"
	}
	return http.StatusBadRequest, "malformed"
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ---- carriers ----

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func okTwiML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, emptyTwiML)
}

func okEmpty(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }

func (s *Server) twilio(r *http.Request, body []byte, now time.Time) (webhook.Result, func(http.ResponseWriter), error) {
	if s.cfg.Twilio == nil {
		return webhook.Result{}, nil, errRouteOff
	}
	res, err := s.cfg.Twilio.Verify(s.signedURL(r), body, r.Header.Get(twiliowh.SignatureHeader), now)
	return res, okTwiML, err
}

func (s *Server) telnyx(r *http.Request, body []byte, now time.Time) (webhook.Result, func(http.ResponseWriter), error) {
	if s.cfg.Telnyx == nil {
		return webhook.Result{}, nil, errRouteOff
	}
	res, err := s.cfg.Telnyx.Verify(body, r.Header.Get(telnyxwh.SignatureHeader), r.Header.Get(telnyxwh.TimestampHeader), now)
	return res, okEmpty, err
}

func (s *Server) vonage(r *http.Request, body []byte, now time.Time) (webhook.Result, func(http.ResponseWriter), error) {
	if s.cfg.Vonage == nil {
		return webhook.Result{}, nil, errRouteOff
	}
	params, err := vonagewh.Params(r.URL.Query(), r.Header.Get("Content-Type"), body)
	if err != nil {
		return webhook.Result{}, nil, err
	}
	res, err := s.cfg.Vonage.Verify(params, now)
	return res, okEmpty, err
}

func (s *Server) sandbox(r *http.Request, body []byte, now time.Time) (webhook.Result, func(http.ResponseWriter), error) {
	if s.cfg.Sandbox == nil {
		return webhook.Result{}, nil, errRouteOff
	}
	res, err := s.cfg.Sandbox.Verify(body, r.Header.Get(sandboxwh.SignatureHeader), now)
	return res, okEmpty, err
}

// signedURL is the URL the carrier signed: the configured public URL, else the forwarded
// scheme and host when trusted, else the request's own, each followed by the request's path
// and query.
func (s *Server) signedURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL + r.URL.RequestURI()
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.TrustForwarded {
		if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
			scheme = p
		}
		if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// firstValue is the first of a comma-separated header's values: the one the outermost proxy set.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}
