package twiliotest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// callRec is a call on the account: an inbound call to a number, or the leg a connect-call-to
// widget dialled (ParentCallSid set).
type callRec struct {
	sid, parent, from, to, status, direction string
	start                                    time.Time
	duration                                 int // seconds
	seq                                      int
}

// recording is a voicemail a record-voicemail widget took.
type recording struct {
	sid, callSid  string
	created       time.Time
	duration      int
	transcription string
	seq           int
}

// CallResult is what a simulated call met in the number's flow.
type CallResult struct {
	CallSID      string
	Rang         string   // the number connect-call-to dialled, "" for none
	Heard        []string // what say-play widgets said
	RecordingSID string   // the voicemail left, "" for none
	Status       string   // the inbound call's final status
}

// Transcription is what the fake transcribes every voicemail to.
const Transcription = "Hello, this is a test message."

// Call simulates an incoming call from caller (Twilio gives "anonymous" for a withheld number)
// to an owned number, running the number's Studio flow widget by widget as Studio would:
// split-based-on against the caller and the dial's status, connect-call-to (answered when
// answer is set, else "no-answer"), say-play, record-voicemail. It records the calls and any
// recording, to be read back through the API. ok is false when the number has no flow.
func (f *Fake) Call(caller, to string, answer bool) (CallResult, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n *number
	for _, cand := range f.numbers {
		if cand.phone == to {
			n = cand
		}
	}
	if n == nil {
		return CallResult{}, false
	}
	m := flowURLPattern.FindStringSubmatch(n.voiceURL)
	if m == nil {
		return CallResult{}, false
	}
	fl, found := f.flows[m[1]]
	var def flowDef
	if !found || json.Unmarshal(fl.def, &def) != nil {
		return CallResult{}, false
	}
	states := map[string]flowStateDef{}
	for _, st := range def.States {
		states[st.Name] = st
	}
	now := time.Now().UTC().Truncate(time.Second)
	in := &callRec{sid: NewSID("CA"), from: caller, to: to, status: "completed", direction: "inbound", start: now, seq: f.next()}
	res := CallResult{CallSID: in.sid}
	dialStatus := ""
	nextOf := func(st flowStateDef, event string) string {
		for _, tr := range st.Transitions {
			if tr.Event == event {
				return tr.Next
			}
		}
		return ""
	}
	cur := ""
	for _, tr := range states[def.InitialState].Transitions {
		if tr.Event == "incomingCall" {
			cur = tr.Next
		}
	}
	for steps := 0; cur != "" && steps < 50; steps++ {
		st := states[cur]
		switch st.Type {
		case "split-based-on":
			input := strings.NewReplacer("{{trigger.call.From}}", caller, "{{contact.channel.address}}", caller,
				"{{widgets.forward_call.DialCallStatus}}", dialStatus).Replace(str(st.Properties["input"]))
			cur = nextOf(st, "noMatch")
			for _, tr := range st.Transitions {
				if tr.Event == "match" && len(tr.Conditions) > 0 && tr.Conditions[0].Type == "matches_any_of" &&
					slices.Contains(strings.Split(tr.Conditions[0].Value, ","), input) {
					cur = tr.Next
					break
				}
			}
		case "connect-call-to":
			res.Rang = str(st.Properties["to"])
			leg := &callRec{sid: NewSID("CA"), parent: in.sid, from: render(str(st.Properties["caller_id"]), to, caller),
				to: res.Rang, direction: "outbound-dial", start: now, seq: f.next()}
			if answer {
				leg.status, leg.duration, dialStatus = "completed", 60, "completed"
			} else {
				leg.status, dialStatus = "no-answer", "no-answer"
			}
			in.duration += leg.duration
			f.calls = append(f.calls, leg)
			cur = nextOf(st, "callCompleted")
		case "say-play":
			res.Heard = append(res.Heard, str(st.Properties["say"]))
			in.duration += 3
			cur = nextOf(st, "audioComplete")
		case "record-voicemail":
			rec := &recording{sid: NewSID("RE"), callSid: in.sid, created: now, duration: 5, seq: f.next()}
			if b, _ := st.Properties["transcribe"].(bool); b {
				rec.transcription = Transcription
			}
			f.recordings = append(f.recordings, rec)
			res.RecordingSID = rec.sid
			in.duration += rec.duration
			cur = nextOf(st, "recordingComplete")
		default:
			cur = ""
		}
	}
	res.Status = in.status
	f.calls = append(f.calls, in)
	return res, true
}

func (f *Fake) callJSON(c *callRec) map[string]any {
	var parent any
	if c.parent != "" {
		parent = c.parent
	}
	return map[string]any{
		"sid": c.sid, "parent_call_sid": parent, "account_sid": f.AccountSID, "to": c.to, "to_formatted": c.to,
		"from": c.from, "from_formatted": c.from, "phone_number_sid": nil, "status": c.status,
		"start_time": rfc2822(c.start), "end_time": rfc2822(c.start.Add(time.Duration(c.duration) * time.Second)),
		"duration": strconv.Itoa(c.duration), "price": nil, "price_unit": "USD", "direction": c.direction,
		"answered_by": nil, "api_version": "2010-04-01", "forwarded_from": nil, "group_sid": nil, "caller_name": nil,
		"queue_time": "0", "trunk_sid": nil, "date_created": rfc2822(c.start), "date_updated": rfc2822(c.start),
		"uri": f.accountPath() + "/Calls/" + c.sid + ".json", "subresource_uris": map[string]any{},
	}
}

// listCalls is GET Calls.json, newest first, filtered on To, From, ParentCallSid and the
// StartTime day bounds as Twilio does.
func (f *Fake) listCalls(r request) reply {
	day := func(key string) (time.Time, bool) {
		t, err := time.Parse("2006-01-02", r.form.Get(key))
		return t, err == nil
	}
	var list []*callRec
	for _, c := range f.calls {
		switch {
		case r.form.Get("To") != "" && c.to != r.form.Get("To"),
			r.form.Get("From") != "" && c.from != r.form.Get("From"),
			r.form.Get("ParentCallSid") != "" && c.parent != r.form.Get("ParentCallSid"):
			continue
		}
		if d, ok := day("StartTime>"); ok && c.start.Truncate(24*time.Hour).Before(d) {
			continue
		}
		list = append(list, c)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].seq > list[j].seq })
	items := make([]any, 0, len(list))
	for _, c := range list {
		items = append(items, f.callJSON(c))
	}
	return ok(http.StatusOK, f.page2010(r, "calls", items))
}

func (f *Fake) recordingJSON(rec *recording) map[string]any {
	uri := f.accountPath() + "/Recordings/" + rec.sid
	return map[string]any{
		"account_sid": f.AccountSID, "api_version": "2010-04-01", "call_sid": rec.callSid, "conference_sid": nil,
		"date_created": rfc2822(rec.created), "date_updated": rfc2822(rec.created), "start_time": rfc2822(rec.created),
		"duration": strconv.Itoa(rec.duration), "sid": rec.sid, "price": nil, "price_unit": "USD", "status": "completed",
		"channels": 1, "source": "RecordVerb", "error_code": nil, "uri": uri + ".json", "encryption_details": nil,
		"subresource_uris": map[string]any{}, "media_url": "https://api.twilio.com" + uri,
	}
}

// listRecordings is GET Recordings.json, newest first, filtered on CallSid.
func (f *Fake) listRecordings(r request) reply {
	var list []*recording
	for _, rec := range f.recordings {
		if cs := r.form.Get("CallSid"); cs != "" && rec.callSid != cs {
			continue
		}
		list = append(list, rec)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].seq > list[j].seq })
	items := make([]any, 0, len(list))
	for _, rec := range list {
		items = append(items, f.recordingJSON(rec))
	}
	return ok(http.StatusOK, f.page2010(r, "recordings", items))
}

func (f *Fake) findRecording(sid string) int {
	return slices.IndexFunc(f.recordings, func(rec *recording) bool { return rec.sid == sid })
}

func (f *Fake) deleteRecording(r request) reply {
	i := f.findRecording(r.params[1])
	if i < 0 {
		return notFound(r.r.URL.Path)
	}
	f.recordings = slices.Delete(f.recordings, i, i+1)
	return reply{status: http.StatusNoContent}
}

// recordingMedia is the audio: a tiny WAV header and a few bytes of silence.
func (f *Fake) recordingMedia(r request) reply {
	if f.findRecording(r.params[1]) < 0 {
		return notFound(r.r.URL.Path)
	}
	wav := append([]byte("RIFF\x2c\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x08\x00\x00\x00"),
		128, 128, 128, 128, 128, 128, 128, 128)
	return reply{status: http.StatusOK, raw: wav, header: http.Header{"Content-Type": {"audio/x-wav"}}}
}

func (f *Fake) listTranscriptions(r request) reply {
	i := f.findRecording(r.params[1])
	if i < 0 {
		return notFound(r.r.URL.Path)
	}
	rec := f.recordings[i]
	items := []any{}
	if rec.transcription != "" {
		items = append(items, map[string]any{
			"account_sid": f.AccountSID, "api_version": "2010-04-01", "date_created": rfc2822(rec.created),
			"date_updated": rfc2822(rec.created), "duration": strconv.Itoa(rec.duration), "price": nil, "price_unit": "USD",
			"recording_sid": rec.sid, "sid": "TR" + rec.sid[2:], "status": "completed", "transcription_text": rec.transcription,
			"type": "fast", "uri": f.accountPath() + "/Transcriptions/TR" + rec.sid[2:] + ".json",
		})
	}
	return ok(http.StatusOK, f.page2010(r, "transcriptions", items))
}

// Recordings lists the SIDs of the recordings on the account, oldest first.
func (f *Fake) Recordings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.recordings))
	for _, rec := range f.recordings {
		out = append(out, rec.sid)
	}
	return out
}
