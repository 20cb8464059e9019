package twilio

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	v2010 "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/vnum-cli/vnum/internal/lazyre"
	"github.com/vnum-cli/vnum/providers"
)

var (
	_ providers.CallRouter    = (*Provider)(nil)
	_ providers.CallLogReader = (*Provider)(nil)
	_ providers.VoicemailBox  = (*Provider)(nil)
)

// maxAudio bounds a recording's download: vnum's flows record at most 120 s.
const maxAudio = 32 << 20

// inboundCall is a call to the number with what became of it.
type inboundCall struct {
	call       v2010.ApiV2010Call
	children   []v2010.ApiV2010Call // the legs the flow dialled
	recordings []v2010.ApiV2010Recording
}

// inboundCalls lists the calls to number id since since, with their dialled legs and their
// recordings (2010 API: Calls, Calls?ParentCallSid, Recordings?CallSid).
func (c *call) inboundCalls(id string, since time.Time, legs bool) (phone string, out []inboundCall, err error) {
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return "", nil, c.fail(err)
	}
	phone = deref(pn.PhoneNumber)
	pageSize := c.p.pageSize
	params := &v2010.ListCallParams{PageSize: &pageSize}
	params.SetTo(phone)
	if !since.IsZero() {
		params.SetStartTimeAfter(since.UTC().Truncate(24 * time.Hour))
	}
	records, errs := c.api.StreamCall(params)
	calls, err := collect(records, errs, func(x *v2010.ApiV2010Call) string { return deref(x.Sid) })
	if err != nil {
		return "", nil, c.failList(err)
	}
	for _, x := range calls {
		if deref(x.Direction) != "inbound" || deref(x.Sid) == "" {
			continue
		}
		in := inboundCall{call: x}
		if legs {
			lp := &v2010.ListCallParams{PageSize: &pageSize}
			lp.SetParentCallSid(deref(x.Sid))
			if in.children, err = c.api.ListCall(lp); err != nil {
				return "", nil, c.failList(err)
			}
		}
		rp := &v2010.ListRecordingParams{PageSize: &pageSize}
		rp.SetCallSid(deref(x.Sid))
		if in.recordings, err = c.api.ListRecording(rp); err != nil {
			return "", nil, c.failList(err)
		}
		out = append(out, in)
	}
	return phone, out, nil
}

// callerOf is a call's caller, "" for a withheld number.
func callerOf(from string) string {
	if slices.Contains(strings.Split(anonymousCallers, ","), from) || !isE164(from) {
		return ""
	}
	return from
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func seconds(s string) time.Duration {
	n, _ := strconv.Atoi(s)
	return time.Duration(n) * time.Second
}

// Calls implements providers.CallLogReader. What happened is read from the call's legs: a
// recording is a voicemail, a dialled leg that was answered is answered and one that was not
// is missed; a call that rang nowhere and left nothing was turned away when the number's flow
// blocks its caller, else missed.
func (p *Provider) Calls(ctx context.Context, id string, since time.Time) ([]providers.Call, error) {
	if err := checkID(ctx, "calls", id); err != nil {
		return nil, err
	}
	c, done, err := p.begin(ctx, "calls")
	if err != nil {
		return nil, err
	}
	defer done()
	_, calls, err := c.inboundCalls(id, since, true)
	if err != nil {
		return nil, err
	}
	blocks, err := c.blockedBy(id)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Call, 0, len(calls))
	for _, in := range calls {
		x := in.call
		call := providers.Call{ID: deref(x.Sid), From: callerOf(deref(x.From)), To: deref(x.To),
			At: parseTime(deref(x.StartTime)), Duration: seconds(deref(x.Duration)), Outcome: providers.CallMissed}
		if call.At.Before(since) {
			continue
		}
		switch {
		case len(in.recordings) > 0:
			call.Outcome = providers.CallVoicemail
		case slices.ContainsFunc(in.children, func(l v2010.ApiV2010Call) bool { return deref(l.Status) == "completed" }):
			call.Outcome = providers.CallAnswered
		case len(in.children) == 0 && blocks(deref(x.From)):
			call.Outcome = providers.CallBlocked
		}
		out = append(out, call)
	}
	slices.SortStableFunc(out, func(a, b providers.Call) int { return a.At.Compare(b.At) })
	return out, nil
}

// blockedBy reads the callers the number's flow turns away, from its screen_caller widget.
func (c *call) blockedBy(id string) (func(from string) bool, error) {
	none := func(string) bool { return false }
	pn, err := c.api.FetchIncomingPhoneNumber(id, nil)
	if err != nil {
		return none, c.fail(err)
	}
	sid := flowSIDOf(deref(pn.VoiceUrl))
	if sid == "" {
		return none, nil
	}
	fl, err := c.studio.FetchFlow(sid)
	if err != nil || fl.Definition == nil {
		return none, nil // the log still reads: such calls show as missed
	}
	m, _ := (*fl.Definition).(map[string]any)
	states, _ := m["states"].([]any)
	var blocked []string
	for _, s := range states {
		st, _ := s.(map[string]any)
		if st["name"] != "screen_caller" {
			continue
		}
		trs, _ := st["transitions"].([]any)
		for _, t := range trs {
			tr, _ := t.(map[string]any)
			conds, _ := tr["conditions"].([]any)
			for _, cd := range conds {
				cond, _ := cd.(map[string]any)
				if v, ok := cond["value"].(string); ok {
					blocked = append(blocked, strings.Split(v, ",")...)
				}
			}
		}
	}
	return func(from string) bool { return slices.Contains(blocked, from) }, nil
}

// Voicemails implements providers.VoicemailBox: the recordings of the calls to the number,
// with Twilio's transcription when it made one.
func (p *Provider) Voicemails(ctx context.Context, id string, since time.Time) ([]providers.Voicemail, error) {
	if err := checkID(ctx, "voicemail", id); err != nil {
		return nil, err
	}
	c, done, err := p.begin(ctx, "voicemail")
	if err != nil {
		return nil, err
	}
	defer done()
	phone, calls, err := c.inboundCalls(id, since, false)
	if err != nil {
		return nil, err
	}
	var out []providers.Voicemail
	for _, in := range calls {
		for _, rec := range in.recordings {
			v := providers.Voicemail{ID: deref(rec.Sid), CallID: deref(in.call.Sid), From: callerOf(deref(in.call.From)),
				To: phone, At: parseTime(deref(rec.DateCreated)), Duration: seconds(deref(rec.Duration))}
			if v.At.Before(since) {
				continue
			}
			trs, err := c.api.ListRecordingTranscription(v.ID, nil)
			if err != nil {
				return nil, c.failList(err)
			}
			for _, tr := range trs {
				if deref(tr.Status) == "completed" {
					v.Transcription = deref(tr.TranscriptionText)
				}
			}
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b providers.Voicemail) int { return a.At.Compare(b.At) })
	return out, nil
}

// VoicemailAudio implements providers.VoicemailBox: the recording's media, in WAV (its
// resource URI without .json).
func (p *Provider) VoicemailAudio(ctx context.Context, vmID string) (providers.Audio, error) {
	if err := checkRecordingID(ctx, vmID); err != nil {
		return providers.Audio{}, err
	}
	c, done, err := p.begin(ctx, "voicemail")
	if err != nil {
		return providers.Audio{}, err
	}
	defer done()
	resp, err := c.rh.Get("https://api.twilio.com/2010-04-01/Accounts/"+c.p.accountSID+"/Recordings/"+vmID+".wav", nil, nil, "")
	if err != nil {
		return providers.Audio{}, c.fail(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAudio+1))
	if err != nil {
		return providers.Audio{}, fmt.Errorf("twilio voicemail: reading recording %s: %w", vmID, err)
	}
	if len(data) > maxAudio {
		return providers.Audio{}, fmt.Errorf("twilio voicemail: recording %s is larger than %d MB", vmID, maxAudio>>20)
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "audio/wav"
	}
	return providers.Audio{ContentType: ct, Data: data}, nil
}

// DeleteVoicemail implements providers.VoicemailBox.
func (p *Provider) DeleteVoicemail(ctx context.Context, vmID string) error {
	if err := checkRecordingID(ctx, vmID); err != nil {
		return err
	}
	c, done, err := p.begin(ctx, "voicemail")
	if err != nil {
		return err
	}
	defer done()
	if err := c.api.DeleteRecording(vmID, nil); err != nil {
		return c.fail(err)
	}
	return nil
}

// recordingSIDPattern is a Twilio recording SID.
var recordingSIDPattern = lazyre.New(`^RE[0-9a-fA-F]{32}$`)

// checkRecordingID refuses ids that are not recording SIDs before any request is made.
func checkRecordingID(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return ctxError("voicemail", err)
	}
	if !recordingSIDPattern.MatchString(id) {
		return &providers.Error{Provider: Name, Op: "voicemail", Kind: providers.ErrNotFound,
			Message: fmt.Sprintf("no recording %q on this account (Twilio recording ids look like RE followed by 32 hex digits)", id)}
	}
	return nil
}
