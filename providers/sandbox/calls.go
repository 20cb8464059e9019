package sandbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

var (
	_ providers.CallRouter    = (*Provider)(nil)
	_ providers.CallLogReader = (*Provider)(nil)
	_ providers.VoicemailBox  = (*Provider)(nil)
)

// SetCallRouting implements providers.CallRouter: the forwarding as SetForwarding, and the rules
// kept on the number for Dial to follow.
func (p *Provider) SetCallRouting(ctx context.Context, id string, f providers.Forwarding, r providers.CallRules) (providers.Number, error) {
	for _, c := range r.Blocked {
		if !validE164(c) {
			return providers.Number{}, invalid(opForward, "blocked caller %q is not a valid E.164 phone number", c)
		}
	}
	n, err := p.SetForwarding(ctx, id, f)
	if err != nil {
		return n, err
	}
	raw := ""
	if !r.IsZero() {
		b, err := json.Marshal(r)
		if err != nil {
			return providers.Number{}, err
		}
		raw = string(b)
	}
	err = p.run(ctx, opForward, func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, "UPDATE numbers SET call_rules = ? WHERE id = ?", raw, id)
		return err
	})
	return n, err
}

// Ring says how a simulated call goes at the forwarding target.
type Ring int

const (
	RingAnswer   Ring = iota // the user picks up
	RingNoAnswer             // nobody picks up
)

// CallResult is what happened to a simulated call, as the caller and the user would tell it.
type CallResult struct {
	Call      providers.Call
	Heard     string               // what the caller heard from the carrier ("" for nothing)
	Rang      string               // the number that rang, "" for none
	Voicemail *providers.Voicemail // the message left, if any
}

// Dial simulates an incoming call from caller ("" for a withheld number) to an owned number
// (carrier id or E.164), following the number's forwarding and call rules as the carrier would,
// and records the call and any voicemail. ring says whether the forwarded call is answered.
func (p *Provider) Dial(ctx context.Context, ref, caller string, ring Ring) (CallResult, error) {
	var res CallResult
	err := p.call(ctx, opCall, "", func(db *sql.DB) error {
		if caller != "" && !validE164(caller) {
			return invalid(opCall, "caller %q is not a valid E.164 phone number", caller)
		}
		return inTx(ctx, db, func(tx *sql.Tx) error {
			n, err := p.resolve(ctx, tx, ref)
			if err != nil {
				return err
			}
			if !n.Features.Voice {
				return invalid(opCall, "%s cannot receive calls", n.Number)
			}
			var raw string
			if err := tx.QueryRowContext(ctx, "SELECT call_rules FROM numbers WHERE id = ?", n.ID).Scan(&raw); err != nil {
				return err
			}
			var r providers.CallRules
			if raw != "" {
				if err := json.Unmarshal([]byte(raw), &r); err != nil {
					return err
				}
			}
			now := p.now().UTC()
			res = route(n, r, caller, ring)
			res.Call.ID, res.Call.From, res.Call.To, res.Call.At = newID("CA"), caller, n.Number, now
			if _, err := tx.ExecContext(ctx, `INSERT INTO calls (id, number_id, caller, called, at, duration_ms, outcome)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, res.Call.ID, n.ID, caller, n.Number, now.UnixNano(),
				res.Call.Duration.Milliseconds(), string(res.Call.Outcome)); err != nil {
				return err
			}
			if res.Call.Outcome != providers.CallVoicemail {
				return nil
			}
			v := providers.Voicemail{ID: newID("RE"), CallID: res.Call.ID, From: caller, To: n.Number,
				At: now, Duration: VoicemailLength}
			res.Voicemail = &v
			_, err = tx.ExecContext(ctx, `INSERT INTO recordings (id, call_id, number_id, caller, called, at, duration_ms, audio)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.CallID, n.ID, caller, n.Number, now.UnixNano(),
				v.Duration.Milliseconds(), tone(VoicemailLength))
			return err
		})
	})
	return res, err
}

// VoicemailLength is how long every simulated voicemail is.
const VoicemailLength = time.Second

// route decides a call the way a carrier running the number's rules would.
func route(n providers.Number, r providers.CallRules, caller string, ring Ring) CallResult {
	var res CallResult
	switch {
	case r.Blocks(caller):
		res.Call.Outcome, res.Heard = providers.CallBlocked, r.BlockMessage
	case r.Voicemail == providers.VoicemailAlways:
		res.Call.Outcome, res.Heard = providers.CallVoicemail, r.Greeting
		res.Call.Duration = VoicemailLength
	case n.Forward.Calls == "":
		res.Call.Outcome = providers.CallMissed
	case ring == RingAnswer:
		res.Call.Outcome, res.Rang = providers.CallAnswered, n.Forward.Calls
		res.Call.Duration = time.Minute
	case r.Voicemail == providers.VoicemailAfter:
		res.Call.Outcome, res.Rang, res.Heard = providers.CallVoicemail, n.Forward.Calls, r.Greeting
		res.Call.Duration = r.VoicemailAfter + VoicemailLength
	default:
		res.Call.Outcome, res.Rang = providers.CallMissed, n.Forward.Calls
		res.Call.Duration = 30 * time.Second
	}
	return res
}

// tone is d of a 440 Hz tone as an 8 kHz, 8-bit mono WAV file: a small, real audio file.
func tone(d time.Duration) []byte {
	const rate = 8000
	samples := int(d.Seconds() * rate)
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + samples))
	b.WriteString("WAVEfmt ")
	le(uint32(16))   // fmt chunk size
	le(uint16(1))    // PCM
	le(uint16(1))    // mono
	le(uint32(rate)) // sample rate
	le(uint32(rate)) // bytes per second
	le(uint16(1))    // block align
	le(uint16(8))    // bits per sample
	b.WriteString("data")
	le(uint32(samples))
	for i := range samples {
		b.WriteByte(byte(128 + 60*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

// Calls implements providers.CallLogReader.
func (p *Provider) Calls(ctx context.Context, id string, since time.Time) ([]providers.Call, error) {
	var out []providers.Call
	err := p.call(ctx, opCalls, "", func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT id, caller, called, at, duration_ms, outcome FROM calls
			WHERE number_id = ? AND at >= ? ORDER BY at, id`, id, unixNanos(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c       providers.Call
				at, ms  int64
				outcome string
			)
			if err := rows.Scan(&c.ID, &c.From, &c.To, &at, &ms, &outcome); err != nil {
				return err
			}
			c.At, c.Duration, c.Outcome = time.Unix(0, at).UTC(), time.Duration(ms)*time.Millisecond, providers.CallOutcome(outcome)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Voicemails implements providers.VoicemailBox.
func (p *Provider) Voicemails(ctx context.Context, id string, since time.Time) ([]providers.Voicemail, error) {
	var out []providers.Voicemail
	err := p.call(ctx, opVoicemail, "", func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT id, call_id, caller, called, at, duration_ms FROM recordings
			WHERE number_id = ? AND at >= ? ORDER BY at, id`, id, unixNanos(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				v      providers.Voicemail
				at, ms int64
			)
			if err := rows.Scan(&v.ID, &v.CallID, &v.From, &v.To, &at, &ms); err != nil {
				return err
			}
			v.At, v.Duration = time.Unix(0, at).UTC(), time.Duration(ms)*time.Millisecond
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// VoicemailAudio implements providers.VoicemailBox.
func (p *Provider) VoicemailAudio(ctx context.Context, vmID string) (providers.Audio, error) {
	var a providers.Audio
	err := p.call(ctx, opVoicemail, "", func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, "SELECT audio FROM recordings WHERE id = ?", vmID).Scan(&a.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(opVoicemail, vmID)
		}
		a.ContentType = "audio/wav"
		return err
	})
	return a, err
}

// DeleteVoicemail implements providers.VoicemailBox.
func (p *Provider) DeleteVoicemail(ctx context.Context, vmID string) error {
	return p.call(ctx, opVoicemail, "", func(db *sql.DB) error {
		res, err := db.ExecContext(ctx, "DELETE FROM recordings WHERE id = ?", vmID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = notFound(opVoicemail, vmID)
		}
		return err
	})
}
