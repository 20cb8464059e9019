package telnyx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
)

// Calls through vnum serve. Telnyx's native forwarding neither screens callers nor takes
// messages; a TeXML application does whatever the XML its voice URL answers says. vnum keeps
// one application, named TexmlAppName, whose voice URL is vnum serve's call route; a number is
// handed to it by setting its connection_id to the application's id (INBOUND.md §2.7), and
// handed back by setting the connection it had before.

// TexmlAppName is the friendly_name of the TeXML application vnum creates once per account.
const TexmlAppName = "vnum"

// maxRecording caps a voicemail download: an hour of mono MP3 is some 30 MB.
const maxRecording = 64 << 20

// texmlApp is the part of a TexmlApplication vnum reads.
type texmlApp struct {
	ID           string `json:"id"`
	FriendlyName string `json:"friendly_name"`
	VoiceURL     string `json:"voice_url"`
	VoiceMethod  string `json:"voice_method"`
}

// PointCalls implements providers.CallHook: the number's calls go to vnum's TeXML application,
// whose voice URL is set to url (POST). previous is the connection the number had ("" for none,
// and for a number already on vnum's application).
func (p *Provider) PointCalls(ctx context.Context, id, voiceURL string) (string, error) {
	const op = "point calls"
	if err := checkID(ctx, op, id); err != nil {
		return "", err
	}
	if u, err := url.Parse(voiceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", &providers.Error{Provider: Name, Op: op, Message: "vnum serve's call route is not an http(s) URL"}
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	app, err := p.ensureTexmlApp(ctx, op, voiceURL)
	if err != nil {
		return "", err
	}
	n, err := p.number(ctx, op, id)
	if err != nil {
		return "", err
	}
	prev := deref(n.ConnectionID)
	if prev == app.ID {
		return "", nil
	}
	if err := p.setConnection(ctx, op, id, app.ID); err != nil {
		return prev, err // the change may have been made: what it had is still told
	}
	return prev, nil
}

// UnpointCalls implements providers.CallHook: the number gets back the connection it had.
func (p *Provider) UnpointCalls(ctx context.Context, id, previous string) error {
	const op = "unpoint calls"
	if err := checkID(ctx, op, id); err != nil {
		return err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	// Only a number on vnum's application is put back: one vnum never moved (a pointing that
	// failed before the change leaves a record saying "" for none) or that the user moved
	// since keeps the connection it has.
	n, err := p.number(ctx, op, id)
	if err != nil {
		return err
	}
	cur := deref(n.ConnectionID)
	if cur == "" || cur == previous {
		return nil
	}
	apps, err := p.vnumTexmlApps(ctx, op)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(apps, func(a texmlApp) bool { return a.ID == cur }) {
		return nil
	}
	// "" detaches the number from any connection (the spec types connection_id as a string;
	// that Telnyx takes "" for none is UNCONFIRMED on a live account).
	return p.setConnection(ctx, op, id, previous)
}

func (p *Provider) setConnection(ctx context.Context, op, id, connection string) error {
	return p.do(ctx, op, http.MethodPatch, "/v2/phone_numbers/"+id,
		&request{body: map[string]any{"connection_id": connection}, notFound: notOwnedMsg(id)}, nil)
}

// CallsNow implements providers.CallHookPeeker: the connection the number is on now, "" for
// none or vnum's TeXML application. Nothing is changed.
func (p *Provider) CallsNow(ctx context.Context, id, _ string) (string, error) {
	const op = "point calls"
	if err := checkID(ctx, op, id); err != nil {
		return "", err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	n, err := p.number(ctx, op, id)
	if err != nil {
		return "", err
	}
	conn := deref(n.ConnectionID)
	if conn == "" {
		return "", nil
	}
	apps, err := p.vnumTexmlApps(ctx, op)
	if err != nil {
		return "", err
	}
	for _, a := range apps {
		if a.ID == conn {
			return "", nil
		}
	}
	return conn, nil
}

// vnumTexmlApps lists the account's TeXML applications named TexmlAppName.
func (p *Provider) vnumTexmlApps(ctx context.Context, op string) ([]texmlApp, error) {
	q := url.Values{}
	q.Set("filter[friendly_name]", TexmlAppName)
	q.Set("page[size]", "250")
	var list struct {
		Data []texmlApp `json:"data"`
	}
	if err := p.do(ctx, op, http.MethodGet, "/v2/texml_applications", &request{query: q}, &list); err != nil {
		return nil, noTexmlApps(op, err)
	}
	apps := list.Data[:0]
	for _, a := range list.Data {
		if a.FriendlyName == TexmlAppName && a.ID != "" { // the filter matches names containing it
			apps = append(apps, a)
		}
	}
	return apps, nil
}

// ensureTexmlApp finds vnum's TeXML application by name, creating it the first time, and makes
// its voice URL voiceURL (POST).
func (p *Provider) ensureTexmlApp(ctx context.Context, op, voiceURL string) (texmlApp, error) {
	apps, err := p.vnumTexmlApps(ctx, op)
	if err != nil {
		return texmlApp{}, err
	}
	body := map[string]any{"friendly_name": TexmlAppName, "voice_url": voiceURL, "voice_method": "post"}
	var out struct {
		Data texmlApp `json:"data"`
	}
	for _, a := range apps {
		if a.VoiceURL == voiceURL && strings.EqualFold(a.VoiceMethod, "post") {
			return a, nil
		}
	}
	if len(apps) > 0 {
		// None answers on this URL (serve moved): the first is pointed at it.
		a := apps[0]
		if err := p.do(ctx, op, http.MethodPatch, "/v2/texml_applications/"+a.ID, &request{body: body}, &out); err != nil {
			return texmlApp{}, err
		}
		return cmp.Or(out.Data, a), nil
	}
	// Creating it twice leaves two of that name, not a cost: a lost answer is read as failure,
	// and the next call finds the application by name.
	if err := p.do(ctx, op, http.MethodPost, "/v2/texml_applications", &request{body: body}, &out); err != nil {
		return texmlApp{}, noTexmlApps(op, err)
	}
	if out.Data.ID == "" {
		return texmlApp{}, &providers.Error{Provider: Name, Op: op, Message: "Telnyx answered the TeXML application request without an id"}
	}
	return out.Data, nil
}

// noTexmlApps turns a 404 on the TeXML applications endpoint (an API, or a proxy, that does not
// have it) into a refusal that says so; other errors are kept.
func noTexmlApps(op string, err error) error {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
		return err
	}
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnsupported, Status: pe.Status,
		Message: "Telnyx answered 404 to /v2/texml_applications: without a TeXML application vnum serve cannot answer " +
			"this account's calls, so block lists and voicemail cannot be set; nothing was changed"}
}

// FetchRecording implements providers.RecordingFetcher for a recording URL a signed TeXML
// callback named (RecordingUrl). Only https (or the base-URL override); the API key goes only
// to Telnyx's API host (or the override): a signed storage URL on another host is fetched
// without it. Telnyx keeps these URLs for about ten minutes after the call.
func (p *Provider) FetchRecording(ctx context.Context, raw string) (providers.Audio, error) {
	const op = "fetch recording"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Message: "the recording URL is not a URL"}
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	keyed := p.pol.Check(u) == nil
	if !keyed && u.Scheme != "https" {
		return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Message: "the recording URL is not https: not fetched"}
	}
	resp, err := p.getRecording(ctx, u, keyed)
	if err == nil && keyed && isRedirect(resp.StatusCode) {
		// Telnyx's API may send the download on to its storage (a signed URL): followed
		// without the key, over https only.
		loc, lerr := resp.Location()
		_ = resp.Body.Close()
		if lerr != nil || loc.Scheme != "https" {
			return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Message: "Telnyx sent the recording on to a URL that is not https: not followed"}
		}
		u, keyed = loc, false
		resp, err = p.getRecording(ctx, u, false)
	}
	if err != nil {
		// Not err itself: a url.Error quotes the URL, whose query signs the download.
		why := err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			why = ue.Err.Error()
		}
		return providers.Audio{}, httperr.Redact(&providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable,
			Message: "the recording could not be downloaded: " + why}, p.key)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRecording+1))
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden && !keyed:
		// A signed URL past its expiry answers 403.
		return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound, Status: resp.StatusCode,
			Message: "Telnyx no longer has this recording (its URL expires some minutes after the call)"}
	case resp.StatusCode != http.StatusOK:
		return providers.Audio{}, statusError(op, resp, data)
	case err != nil:
		return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable, Message: "the recording download broke off"}
	case len(data) > maxRecording:
		return providers.Audio{}, &providers.Error{Provider: Name, Op: op, Message: fmt.Sprintf("the recording is over %d MB", maxRecording>>20)}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "audio/") {
		ct = audioTypeOf(u.Path)
	}
	return providers.Audio{ContentType: ct, Data: data}, nil
}

// getRecording sends one GET for a recording: with the key, on the policy's client, redirects
// not followed (FetchRecording follows them itself, without the key); without it, on the media
// client.
func (p *Provider) getRecording(ctx context.Context, u *url.URL, keyed bool) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if !keyed {
		return p.media.Do(req)
	}
	req.Header.Set("Authorization", "Bearer "+p.key)
	c := *p.once
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c.Do(req)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// audioTypeOf guesses a recording's type from its name: Telnyx records MP3 unless told WAV.
func audioTypeOf(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".wav") {
		return "audio/wav"
	}
	return "audio/mpeg"
}

// DeleteVoicemail deletes a recording vnum serve took (DELETE /v2/recordings/{id}, in Telnyx's
// spec3 document). That the TeXML callback's RecordingSid is this id is UNCONFIRMED on a live
// account: the numbers layer treats the deletion as best effort.
func (p *Provider) DeleteVoicemail(ctx context.Context, recordingID string) error {
	const op = "delete recording"
	if err := checkID(ctx, op, recordingID); err != nil {
		return err
	}
	ctx, cancel := bound(ctx)
	defer cancel()
	return p.do(ctx, op, http.MethodDelete, "/v2/recordings/"+url.PathEscape(recordingID),
		&request{notFound: fmt.Sprintf("no recording %q on this Telnyx account", recordingID)}, nil)
}

// mediaClient fetches recordings from storage hosts: over the injected transport, following
// redirects only to https.
func mediaClient(injected *http.Client) *http.Client {
	return &http.Client{
		Transport: injected.Transport,
		Timeout:   cmp.Or(injected.Timeout, defaultTimeout),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 || req.URL.Scheme != "https" {
				return errors.New("recording redirect refused")
			}
			req.Header.Del("Authorization")
			return nil
		},
	}
}
