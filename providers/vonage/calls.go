package vonage

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

var (
	_ providers.CallHook         = (*Provider)(nil)
	_ providers.RecordingFetcher = (*Provider)(nil)
)

// maxRecording bounds a downloaded recording: a voicemail of several minutes is well under it.
const maxRecording = 32 << 20

// pointed is what PointCalls found on the number, to put back: the application it was linked
// to and a voice callback of the user's own (SIP, websocket…). A forwarding to a phone (tel) is
// vnum's, as SetForwarding has it: it is not put back, since the numbers layer sets the
// forwarding it holds itself (a stale one would ring a phone the user dropped with `vnum forward
// --voicemail`).
type pointed struct {
	AppID string `json:"app_id,omitempty"`
	Type  string `json:"voice_callback_type,omitempty"`
	Value string `json:"voice_callback_value,omitempty"`
}

// PointCalls sends the number's calls to vnum serve: it makes sure vnum's application answers
// on route (see hooksFor), then links the number to it with POST /number/update app_id, with
// the number's whole configuration sent back, less its native forwarding (voiceCallbackType
// tel would win over the application). It returns what the number had, for UnpointCalls.
func (p *Provider) PointCalls(ctx context.Context, id, route string) (previous string, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "point calls")
	if err != nil {
		return "", err
	}
	defer done()
	o, err := c.owned(id)
	if err != nil {
		return "", err
	}
	ak, err := c.ensureApp(hooksFor(route))
	if err != nil {
		return "", err
	}
	b := previousOf(o, ak.id)
	form := o.config()
	form.Set("app_id", ak.id)
	form.Del("voiceCallbackType")
	form.Del("voiceCallbackValue")
	if err := c.numbersPost(pathUpdate, form, nil); err != nil {
		return b, err // the change may have been made: what it had is still told
	}
	return b, nil
}

// previousOf is what PointCalls returns for the number o when vnum's application is appID.
func previousOf(o owned, appID string) string {
	prev := pointed{AppID: o.AppID}
	if o.VoiceCallbackType != callbackTel {
		prev.Type, prev.Value = o.VoiceCallbackType, o.VoiceCallbackValue
	}
	if o.AppID == appID {
		// Pointed already (a retry, or a journal finishing the job): what it had before is
		// not known any more; keep none rather than "put back" vnum's own application.
		prev.AppID = ""
	}
	b, _ := json.Marshal(prev)
	return string(b)
}

// CallsNow implements providers.CallHookPeeker: what PointCalls would return for the number,
// read without changing anything (vnum's application is the one in the credentials).
func (p *Provider) CallsNow(ctx context.Context, id, _ string) (previous string, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "point calls")
	if err != nil {
		return "", err
	}
	defer done()
	o, err := c.owned(id)
	if err != nil {
		return "", err
	}
	ak, err := p.currentApp()
	if err != nil {
		return "", &providers.Error{Provider: Name, Op: c.op, Message: err.Error()}
	}
	if ak.id == "" {
		// No application here yet: PointCalls may take over one of vnum's the number is
		// linked to, and says then what it had.
		return "", nil
	}
	return previousOf(o, ak.id), nil
}

// UnpointCalls puts back what PointCalls returned: the number's previous application (or
// none) and voice callback of the user's own, unless a forwarding was set since.
func (p *Provider) UnpointCalls(ctx context.Context, id, previous string) (err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "unpoint calls")
	if err != nil {
		return err
	}
	defer done()
	var prev pointed
	if strings.TrimSpace(previous) != "" {
		if err := json.Unmarshal([]byte(previous), &prev); err != nil {
			return &providers.Error{Provider: Name, Op: c.op, Message: "cannot read what the number had before vnum serve"}
		}
	}
	o, err := c.owned(id)
	if err != nil {
		return err
	}
	// Only a number on vnum's application is taken off it: one vnum never moved (a pointing
	// that failed before the change leaves a record with no "previous") keeps what it has.
	if mine, err := c.vnumApp(o.AppID); err != nil || !mine {
		return err
	}
	form := o.config()
	form.Del("app_id")
	if prev.AppID != "" {
		form.Set("app_id", prev.AppID)
	}
	// A forwarding set since (the numbers layer sets the one it holds before putting the calls
	// back) stays, in config; else the user's own callback comes back.
	if o.VoiceCallbackType == "" && prev.Type != "" && prev.Value != "" {
		form.Set("voiceCallbackType", prev.Type)
		form.Set("voiceCallbackValue", prev.Value)
	}
	return c.numbersPost(pathUpdate, form, nil)
}

// vnumApp reports whether the application id is vnum's (named AppName); an application
// Vonage does not know is not.
func (c *call) vnumApp(id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	if ak, err := c.p.currentApp(); err == nil && ak.id == id {
		return true, nil
	}
	var a application
	err := c.apiJSON(http.MethodGet, pathApplications+"/"+url.PathEscape(id), nil, &a)
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return false, nil
	}
	return err == nil && a.Name == AppName, err
}

// FetchRecording downloads a recording named by a record action's event (its recording_url,
// on api.nexmo.com or a regional Voice API host) with a JWT of vnum's application: Vonage
// keeps recordings for a limited time, so vnum serve fetches each as soon as it is told.
func (p *Provider) FetchRecording(ctx context.Context, url string) (a providers.Audio, err error) {
	defer func() { err = p.scrub(err) }()
	c, done, err := p.begin(ctx, "fetch recording")
	if err != nil {
		return providers.Audio{}, err
	}
	defer done()
	ak, loadErr := p.currentApp()
	if loadErr != nil {
		return providers.Audio{}, &providers.Error{Provider: Name, Op: c.op, Message: loadErr.Error()}
	}
	if ak.id == "" {
		return providers.Audio{}, &providers.Error{Provider: Name, Op: c.op, Kind: providers.ErrUnauthorized,
			Message: "no Vonage application key to download recordings with (vnum makes one when a number is pointed at vnum serve)"}
	}
	a, status, err := c.download(ak, url)
	if (status == http.StatusUnauthorized || status == http.StatusForbidden) && p.rekeyed(ak) {
		// Another vnum gave the application a new key since this one was read: try with it.
		ak, _ = p.currentApp()
		a, _, err = c.download(ak, url)
	}
	return a, err
}

// download GETs a recording with ak's JWT; status is the HTTP status when one came.
func (c *call) download(ak appKey, url string) (providers.Audio, int, error) {
	tok, err := appToken(ak, time.Now())
	if err != nil {
		return providers.Audio{}, 0, err
	}
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, url, nil)
	if err != nil {
		return providers.Audio{}, 0, c.unbuildable("the recording URL")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.p.reads.Do(req)
	if err != nil {
		return providers.Audio{}, 0, c.noAnswer(read, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRecording))
	if err != nil {
		return providers.Audio{}, resp.StatusCode, c.noAnswer(read, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := statusError(c.op, resp, body)
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
			if pe, ok := e.(*providers.Error); ok {
				pe.Kind = providers.ErrNotFound
			}
		}
		return providers.Audio{}, resp.StatusCode, e
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" || strings.HasPrefix(ct, "application/octet-stream") {
		ct = "audio/wav"
	}
	return providers.Audio{ContentType: ct, Data: body}, resp.StatusCode, nil
}

// rekeyed reads the application credential afresh and reports whether it differs from old (and
// is now the one in use).
func (p *Provider) rekeyed(old appKey) bool {
	if p.fresh == nil {
		return false
	}
	raw, err := p.fresh(CredApplication)
	if err != nil || strings.TrimSpace(raw) == "" {
		return false
	}
	ak, err := loadAppKey(map[string]string{CredApplication: raw})
	if err != nil || (ak.id == old.id && ak.key.Equal(old.key)) {
		return false
	}
	p.mu.Lock()
	p.app = ak
	p.mu.Unlock()
	return true
}
