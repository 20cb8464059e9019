package providers

import (
	"context"
	"slices"
	"time"
)

// Voicemail modes: when an incoming call goes to voicemail.
const (
	VoicemailOff    = ""       // never
	VoicemailAfter  = "after"  // when the forwarded call is not answered within CallRules.VoicemailAfter
	VoicemailAlways = "always" // every call, nothing rings
)

// CallRules are what a number does with incoming calls besides forwarding them: who is turned
// away, and when a caller is asked to leave a message. The zero value is none of it.
type CallRules struct {
	// Blocked callers (E.164) hear nothing of the user's number.
	Blocked []string
	// BlockAnonymous turns away callers that withhold their number.
	BlockAnonymous bool
	// BlockMessage is what a blocked caller is told before the call ends; "" ends the call at
	// once (a rejection where the carrier has one).
	BlockMessage string
	// Voicemail is one of the Voicemail* modes; VoicemailAfter is how long the forwarded call
	// rings first.
	Voicemail      string
	VoicemailAfter time.Duration
	// Greeting is what the carrier's text-to-speech says before recording. It never names the
	// user.
	Greeting string
}

// IsZero reports whether the rules ask for nothing.
func (r CallRules) IsZero() bool {
	return len(r.Blocked) == 0 && !r.BlockAnonymous && r.Voicemail == VoicemailOff
}

// Equal reports whether r and o ask for the same thing.
func (r CallRules) Equal(o CallRules) bool {
	return slices.Equal(r.Blocked, o.Blocked) && r.BlockAnonymous == o.BlockAnonymous && r.BlockMessage == o.BlockMessage &&
		r.Voicemail == o.Voicemail && r.VoicemailAfter == o.VoicemailAfter && r.Greeting == o.Greeting
}

// Blocks reports whether a call from caller ("" for a withheld number) is blocked.
func (r CallRules) Blocks(caller string) bool {
	if caller == "" {
		return r.BlockAnonymous
	}
	return slices.Contains(r.Blocked, caller)
}

// CallRouter is a carrier that applies call rules along with forwarding, as one change: the
// routing of a number's calls is one thing at the carrier (Twilio: the number's Studio flow).
type CallRouter interface {
	// SetCallRouting replaces the number's forwarding and call rules; zero values of both turn
	// everything off.
	SetCallRouting(ctx context.Context, id string, f Forwarding, r CallRules) (Number, error)
}

// CallOutcome is what became of an incoming call.
type CallOutcome string

const (
	CallAnswered  CallOutcome = "answered"  // forwarded and picked up
	CallForwarded CallOutcome = "forwarded" // forwarded; whether it was picked up is not known
	CallBlocked   CallOutcome = "blocked"   // turned away by the block list
	CallVoicemail CallOutcome = "voicemail" // the caller left a message
	CallMissed    CallOutcome = "missed"    // nobody answered and no message was left
)

// Call is one incoming call to a number.
type Call struct {
	ID       string // the carrier's id
	From     string // E.164, "" when withheld
	To       string // E.164
	At       time.Time
	Duration time.Duration
	Outcome  CallOutcome
}

// Voicemail is one message left on a number.
type Voicemail struct {
	ID            string // the carrier's recording id
	CallID        string // the call it was left on
	From          string // E.164, "" when withheld
	To            string // E.164
	At            time.Time
	Duration      time.Duration
	Transcription string // "" when the carrier gives none
	// RecordingURL is where the carrier keeps the audio, as its signed call webhook named it:
	// vnum serve downloads it from there (RecordingFetcher). "" for carriers read through their API.
	RecordingURL string
}

// Audio is a voicemail's recording.
type Audio struct {
	ContentType string // "audio/wav", …
	Data        []byte
}

// CallLogReader lists the calls a number received.
type CallLogReader interface {
	// Calls returns calls to the number at or after since, oldest first.
	Calls(ctx context.Context, id string, since time.Time) ([]Call, error)
}

// VoicemailBox reads and deletes the messages left on a number.
type VoicemailBox interface {
	// Voicemails returns messages left on the number at or after since, oldest first.
	Voicemails(ctx context.Context, id string, since time.Time) ([]Voicemail, error)
	// VoicemailAudio fetches a message's recording; ErrNotFound when the carrier no longer has it.
	VoicemailAudio(ctx context.Context, voicemailID string) (Audio, error)
	// DeleteVoicemail deletes a message at the carrier; one already gone is ErrNotFound.
	DeleteVoicemail(ctx context.Context, voicemailID string) error
}

// CallHook is a carrier whose calls vnum serve answers call by call (Telnyx: a TeXML
// application; Vonage: an application's answer URL).
type CallHook interface {
	// PointCalls sends the number's incoming calls to url (serve's call route for the carrier)
	// and returns what the number had before, opaque, for UnpointCalls. When the change itself
	// failed, previous is still returned once known: a change whose answer was lost may have
	// been made, and what the number had must not be forgotten.
	PointCalls(ctx context.Context, id, url string) (previous string, err error)
	// UnpointCalls puts back what PointCalls returned; a number the carrier no longer has is ErrNotFound.
	UnpointCalls(ctx context.Context, id, previous string) error
}

// CallHookPeeker is a CallHook that can say, without changing anything, what the number's calls
// go to now, in PointCalls's "previous" form ("" for none, and for vnum serve's own already).
// It is asked before PointCalls, so that what the number had is recorded before the carrier is
// changed: a vnum killed after the change but before its answer still knows it.
type CallHookPeeker interface {
	CallsNow(ctx context.Context, id, url string) (previous string, err error)
}

// RecordingFetcher downloads a recording a carrier named in a signed webhook, with the
// account's credentials (Telnyx API key; Vonage application JWT).
type RecordingFetcher interface {
	FetchRecording(ctx context.Context, url string) (Audio, error)
}
