package vonagetest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vnum-cli/vnum/providers/internal/fakeserver"
)

// The Applications API v2 and Voice API recordings, as the fake models them. Vonage publishes
// no OpenAPI document for these among ../shared/specs, so these exchanges are not validated
// against one; each handler says which public document it follows.

// routeOf names a request's route, with the ids of the Applications and media paths as {id}.
func routeOf(r *http.Request) Route {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v2/applications/") && len(p) > len("/v2/applications/"):
		p = "/v2/applications/{id}"
	case strings.HasPrefix(p, "/v1/files/") && len(p) > len("/v1/files/"):
		p = "/v1/files/{id}"
	}
	return Route(r.Method + " " + p)
}

// voiceAPI reports whether rt is one of the api.nexmo.com routes served by handleVoiceAPI.
func (rt Route) voiceAPI() bool {
	switch rt {
	case RouteAppCreate, RouteAppList, RouteAppGet, RouteAppUpdate, RouteAppDelete, RouteRecording:
		return true
	}
	return false
}

// documented reports whether rt has an OpenAPI document among the loaded specs.
func (rt Route) documented() bool { return !rt.voiceAPI() }

// app is one Vonage application.
type app struct {
	id, name      string
	publicKeyPEM  string
	publicKey     *rsa.PublicKey
	answer, event webhook
	signed        bool
}

type webhook struct {
	Address    string `json:"address"`
	HTTPMethod string `json:"http_method"`
}

// recording is a file a record action left.
type recording struct {
	appID string
	data  []byte
}

// AppState is what the fake knows about an application.
type AppState struct {
	ID, Name                      string
	AnswerURL, AnswerMethod       string
	EventURL, EventMethod         string
	SignedCallbacks, HasPublicKey bool
}

// Apps returns the account's applications.
func (f *Fake) Apps() []AppState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]AppState, 0, len(f.apps))
	for _, a := range f.apps {
		out = append(out, AppState{ID: a.id, Name: a.name, AnswerURL: a.answer.Address, AnswerMethod: a.answer.HTTPMethod,
			EventURL: a.event.Address, EventMethod: a.event.HTTPMethod, SignedCallbacks: a.signed, HasPublicKey: a.publicKey != nil})
	}
	return out
}

// appRequest is the create/update body of application.v2.yml (the parts the fake keeps).
type appRequest struct {
	Name string `json:"name"`
	Keys *struct {
		PublicKey string `json:"public_key"`
	} `json:"keys"`
	Capabilities struct {
		Voice *struct {
			Webhooks struct {
				AnswerURL         *webhook `json:"answer_url"`
				EventURL          *webhook `json:"event_url"`
				FallbackAnswerURL *webhook `json:"fallback_answer_url"`
			} `json:"webhooks"`
			SignedCallbacks *bool `json:"signed_callbacks"`
		} `json:"voice"`
	} `json:"capabilities"`
}

func (f *Fake) handleVoiceAPI(r *http.Request, rt Route, body []byte) reply {
	if rt == RouteRecording {
		return f.fetchRecording(r)
	}
	// application.v2.yml: security basicAuth (api_key:api_secret).
	if user, pass, ok := basic(r); !ok || user != f.APIKey || pass != f.APISecret {
		return problem(http.StatusUnauthorized, "Invalid credentials supplied", "You did not provide correct credentials.")
	}
	id := strings.TrimPrefix(r.URL.Path, "/v2/applications/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch rt {
	case RouteAppCreate:
		return f.putApp(nil, body)
	case RouteAppList:
		return f.listApps(r)
	case RouteAppGet:
		a, ok := f.apps[id]
		if !ok {
			return appNotFound(id)
		}
		return reply{status: http.StatusOK, body: a.json()}
	case RouteAppUpdate:
		a, ok := f.apps[id]
		if !ok {
			return appNotFound(id)
		}
		return f.putApp(a, body)
	case RouteAppDelete:
		if _, ok := f.apps[id]; !ok {
			return appNotFound(id)
		}
		delete(f.apps, id)
		return reply{status: http.StatusNoContent}
	}
	return reply{status: http.StatusNotFound}
}

func appNotFound(id string) reply {
	return problem(http.StatusNotFound, "Not Found", "Application "+id+" could not be found")
}

// putApp creates (a == nil: 201 with the keys) or replaces an application (200), as
// application.v2.yml's createApplication and updateApplication: name is required; a public key
// must be a PEM RSA public key; answer_url and event_url take GET or POST.
func (f *Fake) putApp(a *app, body []byte) reply {
	var req appRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return invalid("the request body is not JSON: " + err.Error())
	}
	if strings.TrimSpace(req.Name) == "" {
		return invalid("name is required")
	}
	created := a == nil
	if created {
		a = &app{id: fakeserver.NewUUID()}
	}
	a.name = req.Name
	if req.Keys != nil && req.Keys.PublicKey != "" {
		k, err := parsePublicKey(req.Keys.PublicKey)
		if err != nil {
			return invalid("keys.public_key: " + err.Error())
		}
		a.publicKeyPEM, a.publicKey = req.Keys.PublicKey, k
	} else if created {
		// Vonage makes a key pair when none is given and returns the private key once; vnum
		// always gives its own, so the fake does not model that answer.
		return invalid("keys.public_key: the fake needs the caller's public key")
	}
	if v := req.Capabilities.Voice; v != nil {
		for _, w := range []*webhook{v.Webhooks.AnswerURL, v.Webhooks.EventURL, v.Webhooks.FallbackAnswerURL} {
			if w != nil && w.HTTPMethod != "" && w.HTTPMethod != http.MethodGet && w.HTTPMethod != http.MethodPost {
				return invalid("http_method must be GET or POST")
			}
		}
		a.answer, a.event = webhook{}, webhook{}
		if v.Webhooks.AnswerURL != nil {
			a.answer = *v.Webhooks.AnswerURL
		}
		if v.Webhooks.EventURL != nil {
			a.event = *v.Webhooks.EventURL
		}
		a.signed = v.SignedCallbacks != nil && *v.SignedCallbacks
	}
	f.apps[a.id] = a
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return reply{status: status, body: a.json()}
}

func invalid(detail string) reply {
	return problem(http.StatusBadRequest, "Bad Request", detail)
}

// json is ApplicationResponse: id, name, keys.public_key, capabilities.voice.
func (a *app) json() map[string]any {
	hook := func(w webhook) map[string]any {
		m := map[string]any{"address": w.Address, "http_method": w.HTTPMethod}
		if w.HTTPMethod == "" {
			m["http_method"] = http.MethodGet // the default application.v2.yml documents for answer_url
		}
		return m
	}
	out := map[string]any{"id": a.id, "name": a.name,
		"keys": map[string]any{"public_key": a.publicKeyPEM},
		"capabilities": map[string]any{"voice": map[string]any{
			"webhooks":         map[string]any{"answer_url": hook(a.answer), "event_url": hook(a.event)},
			"signed_callbacks": a.signed,
		}},
		"_links": map[string]any{"self": map[string]any{"href": "/v2/applications/" + a.id}},
	}
	return out
}

func parsePublicKey(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, fmt.Errorf("not a PEM block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA key")
	}
	return rk, nil
}

// fetchRecording serves a recording to the application that made it, as the Voice API does:
// Authorization: Bearer <JWT RS256 signed with the application's private key, application_id
// claim> (developer.vonage.com "Download a recording"; JWTs: "Authentication: JSON Web Tokens").
func (f *Fake) fetchRecording(r *http.Request) reply {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return problem(http.StatusUnauthorized, "Unauthorized", "no JWT")
	}
	id := strings.TrimPrefix(r.URL.Path, "/v1/files/")
	f.mu.Lock()
	defer f.mu.Unlock()
	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		c, _ := t.Claims.(*jwt.MapClaims)
		appID, _ := (*c)["application_id"].(string)
		a, ok := f.apps[appID]
		if !ok || a.publicKey == nil {
			return nil, fmt.Errorf("unknown application")
		}
		return a.publicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuedAt(), jwt.WithLeeway(time.Minute))
	if err != nil || !tok.Valid {
		return problem(http.StatusUnauthorized, "Unauthorized", "invalid JWT")
	}
	rec, ok := f.files[id]
	if !ok {
		return problem(http.StatusNotFound, "Not Found", "no such file")
	}
	if appID, _ := claims["application_id"].(string); appID != rec.appID {
		return problem(http.StatusForbidden, "Forbidden", "the file belongs to another application")
	}
	return reply{status: http.StatusOK, raw: rec.data, header: http.Header{"Content-Type": {"audio/wav"}}}
}

// AddRecording keeps audio as a recording of application appID, as a record action would, and
// returns its recording_url.
func (f *Fake) AddRecording(appID string, data []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fakeserver.NewUUID()
	f.files[id] = &recording{appID: appID, data: data}
	return f.URL + "/v1/files/" + id
}

// listApps is listApplication: page_size (1…100, default 10) and page (from 1), answered as an
// ApplicationResponseCollection with the applications under _embedded.
func (f *Fake) listApps(r *http.Request) reply {
	size, page := 10, 1
	if v := r.URL.Query().Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return invalid("page_size must be between 1 and 100")
		}
		size = n
	}
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return invalid("page must be 1 or more")
		}
		page = n
	}
	ids := make([]string, 0, len(f.apps))
	for id := range f.apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	pages := (len(ids) + size - 1) / size
	list := []map[string]any{}
	for i := (page - 1) * size; i < len(ids) && i < page*size; i++ {
		list = append(list, f.apps[ids[i]].json())
	}
	return reply{status: http.StatusOK, body: map[string]any{"page_size": size, "page": page, "total_items": len(ids),
		"total_pages": pages, "_embedded": map[string]any{"applications": list}}}
}
