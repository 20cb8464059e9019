package telnyxtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// mediaPrefix is the path under which the fake serves recordings' audio.
const mediaPrefix = "/storage/recordings/"

// texmlApp is a TeXML application: calls to the numbers whose connection_id is its id are
// answered by the XML its voice URL returns (Call).
type texmlApp struct {
	id, name, voiceURL, voiceMethod string
	created, updated                time.Time
}

// recording is a voicemail recorded during a Call.
type recording struct {
	id, callID, from, to string
	data                 []byte
	duration             time.Duration
	deleted              bool
	created              time.Time
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Fake) app(id string) *texmlApp {
	for _, a := range f.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (f *Fake) appJSON(a *texmlApp) map[string]any {
	return map[string]any{
		"id": a.id, "record_type": "texml_application", "friendly_name": a.name, "active": true,
		"voice_url": a.voiceURL, "voice_method": a.voiceMethod,
		"status_callback_method": "post", "anchorsite_override": "Latency", "dtmf_type": "RFC 2833",
		"first_command_timeout": false, "first_command_timeout_secs": 30, "call_cost_in_webhooks": false,
		"inbound":  map[string]any{"shaken_stir_enabled": false, "sip_subdomain_receive_settings": "only_my_connections"},
		"outbound": map[string]any{},
		"tags":     []string{}, "created_at": a.created.Format(time.RFC3339), "updated_at": a.updated.Format(time.RFC3339),
	}
}

func (f *Fake) listTexmlApps(c call) reply {
	var list []*texmlApp
	for _, a := range f.apps {
		// "friendly_name containing the given value … not case-sensitive".
		if name := c.q("filter[friendly_name]"); name != "" && !strings.Contains(strings.ToLower(a.name), strings.ToLower(name)) {
			continue
		}
		list = append(list, a)
	}
	items, meta := paginate(c, list, 250)
	data := make([]any, 0, len(items))
	for _, a := range items {
		data = append(data, f.appJSON(a))
	}
	return ok(map[string]any{"data": data, "meta": meta})
}

type appBody struct {
	FriendlyName string `json:"friendly_name"`
	VoiceURL     string `json:"voice_url"`
	VoiceMethod  string `json:"voice_method"`
}

func (in appBody) check() *reply {
	if in.FriendlyName == "" || in.VoiceURL == "" {
		r := telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "friendly_name and voice_url are required")
		return &r
	}
	if u, err := url.Parse(in.VoiceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		r := telnyxError(http.StatusUnprocessableEntity, "10015", "Bad Request", "voice_url must be a URL")
		return &r
	}
	return nil
}

func (f *Fake) createTexmlApp(c call) reply {
	var in appBody
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	if r := in.check(); r != nil {
		return *r
	}
	f.seq++
	now := time.Now().UTC()
	a := &texmlApp{id: fmt.Sprintf("29%017d", f.seq), name: in.FriendlyName, voiceURL: in.VoiceURL, voiceMethod: strings.ToLower(in.VoiceMethod),
		created: now, updated: now}
	if a.voiceMethod == "" {
		a.voiceMethod = "post"
	}
	f.apps = append(f.apps, a)
	return reply{status: http.StatusCreated, body: map[string]any{"data": f.appJSON(a)}}
}

func (f *Fake) getTexmlApp(c call) reply {
	a := f.app(c.param)
	if a == nil {
		return notFound()
	}
	return ok(map[string]any{"data": f.appJSON(a)})
}

func (f *Fake) updateTexmlApp(c call) reply {
	a := f.app(c.param)
	if a == nil {
		return notFound()
	}
	var in appBody
	if err := json.Unmarshal(c.body, &in); err != nil {
		return telnyxError(http.StatusBadRequest, "10015", "Bad Request", "invalid JSON")
	}
	if r := in.check(); r != nil {
		return *r
	}
	a.name, a.voiceURL, a.updated = in.FriendlyName, in.VoiceURL, time.Now().UTC()
	if in.VoiceMethod != "" {
		a.voiceMethod = strings.ToLower(in.VoiceMethod)
	}
	return ok(map[string]any{"data": f.appJSON(a)})
}

// deleteRecording answers like spec3.yml's DeleteRecording: the recording, now gone.
func (f *Fake) deleteRecording(c call) reply {
	r := f.recordings[c.param]
	if r == nil || r.deleted {
		return notFound()
	}
	r.deleted = true
	return ok(map[string]any{"data": map[string]any{
		"id": r.id, "record_type": "recording", "call_session_id": r.callID, "status": "completed",
		"duration_millis": r.duration.Milliseconds(), "channels": "single", "source": "call",
		"recording_started_at": r.created.Format(time.RFC3339), "created_at": r.created.Format(time.RFC3339),
	}})
}

// recordingMedia serves a recording's audio, as Telnyx's storage does for the RecordingUrl
// of a callback (here with the account's key, on the fake's own host).
func (f *Fake) recordingMedia(c call) reply {
	r := f.recordings[c.param]
	if r == nil || r.deleted {
		return notFound()
	}
	if f.mediaRedirect != "" {
		return reply{status: http.StatusFound, header: http.Header{"Location": {f.mediaRedirect + "/" + r.id + ".wav?X-Amz-Signature=ok"}}}
	}
	return reply{status: http.StatusOK, raw: r.data, header: http.Header{"Content-Type": {"audio/wav"}}}
}

// AddConnection makes id a connection of the user's (a SIP connection, say), which numbers may
// be put on with PATCH phone_numbers/{id}.
func (f *Fake) AddConnection(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns[id] = true
}

// SetConnection puts the number with that phone number (E.164) on a connection, as the user
// would in the portal.
func (f *Fake) SetConnection(phone, connectionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.byPhone(phone)
	if n == nil {
		return fmt.Errorf("telnyxtest: no number %s", phone)
	}
	f.conns[connectionID] = true
	n.connectionID = connectionID
	return nil
}

// Connection returns the connection_id of the number with that phone number ("" for none); for
// a number released through the API, the one it had when it was released.
func (f *Fake) Connection(phone string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := f.byPhone(phone); n != nil {
		return n.connectionID
	}
	return f.releasedConn[phone]
}

// AddTexmlApp makes a TeXML application on the account, as the portal or another tool would,
// and returns its id.
func (f *Fake) AddTexmlApp(name, voiceURL string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	now := time.Now().UTC()
	a := &texmlApp{id: fmt.Sprintf("29%017d", f.seq), name: name, voiceURL: voiceURL, voiceMethod: "post", created: now, updated: now}
	f.apps = append(f.apps, a)
	return a.id
}

// TexmlAppState is what the fake knows about a TeXML application.
type TexmlAppState struct {
	ID, Name, VoiceURL, VoiceMethod string
}

// TexmlApps returns the account's TeXML applications, oldest first.
func (f *Fake) TexmlApps() []TexmlAppState {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]TexmlAppState, 0, len(f.apps))
	for _, a := range f.apps {
		out = append(out, TexmlAppState{ID: a.id, Name: a.name, VoiceURL: a.voiceURL, VoiceMethod: a.voiceMethod})
	}
	return out
}

// RecordingState is what the fake keeps of a voicemail recorded during a Call.
type RecordingState struct {
	ID, CallID, From, To string
	Deleted              bool
}

// Recordings returns the recordings made during calls.
func (f *Fake) Recordings() []RecordingState {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []RecordingState
	for _, r := range f.recordings {
		out = append(out, RecordingState{ID: r.id, CallID: r.callID, From: r.from, To: r.to, Deleted: r.deleted})
	}
	return out
}

// AddRecording keeps audio as a recording of a call from → to, as a <Record> would, and returns
// its id and the URL a TeXML callback names for it (RecordingUrl).
func (f *Fake) AddRecording(callID, from, to string, audio []byte, length time.Duration) (id, mediaURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addRecordingLocked(callID, from, to, audio, length)
}

func (f *Fake) addRecordingLocked(callID, from, to string, audio []byte, length time.Duration) (id, mediaURL string) {
	f.seq++
	id = fmt.Sprintf("rec-%08d-4a1e-9c2d-%012d", f.seq, f.seq)
	f.recordings[id] = &recording{id: id, callID: callID, from: from, to: to, data: audio, duration: length, created: time.Now().UTC()}
	return id, f.URL + mediaPrefix + id + ".wav"
}

// RedirectRecordings makes the recordings' URLs answer with a redirect to base/<id>.wav (signed
// storage, as Telnyx's API may hand a download on); "" serves them again.
func (f *Fake) RedirectRecordings(base string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mediaRedirect = base
}
