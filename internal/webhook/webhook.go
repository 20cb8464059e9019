// Package webhook holds what every carrier's webhook verifier shares: the inbound SMS a verified
// request carries and the ways a request is refused. One sub-package per carrier checks that
// carrier's signature over the raw body and headers and parses its payload; none of them knows
// HTTP servers, the store or the CLI, so each is tested on its own with known-good vectors.
package webhook

import (
	"errors"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

// Tolerance is how far a signed timestamp may be from the server's clock, either way, before the
// request is refused as stale: the five minutes Telnyx's SDKs use.
const Tolerance = 5 * time.Minute

// Why a request is refused. A server answers ErrUnsigned with 401, ErrForged and ErrStale with
// 403, ErrMalformed with 400.
var (
	// ErrUnsigned: the request carries no signature (or no timestamp) although one is required.
	ErrUnsigned = errors.New("webhook: unsigned request")
	// ErrForged: the signature does not match the body with the configured secret or key.
	ErrForged = errors.New("webhook: signature does not match")
	// ErrStale: the signed timestamp is outside Tolerance.
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
	// ErrMalformed: the signature is right but the payload cannot be read.
	ErrMalformed = errors.New("webhook: malformed payload")
)

// Inbound is one SMS a carrier pushed, after its signature was checked.
type Inbound struct {
	// Message is the SMS: ID is the carrier's message id (what retries repeat), To the number
	// that received it (E.164), From the sender, Inbound always true.
	Message providers.Message
	// Part is set for one part of a multi-part SMS that the carrier did not join (Vonage).
	Part *Part
}

// Part places one part of a multi-part SMS.
type Part struct {
	// Ref identifies the whole message among the sender's messages to the number.
	Ref string
	// Index counts from 1 to Total.
	Index, Total int
}

// Result is what a verifier returns for an authentic request.
type Result struct {
	// Inbound is the SMS, nil when the request carries none (a probe, a delivery report or
	// another event): it is answered with success and nothing is stored.
	Inbound *Inbound
	// ReplayKey identifies this exact signed request ("" when it carries no signature): a
	// server that acknowledged a request refuses the same key again.
	ReplayKey string
}

// CheckTime checks a signed unix timestamp against now, within Tolerance.
func CheckTime(signed, now time.Time) error {
	d := now.Sub(signed)
	if d > Tolerance || d < -Tolerance {
		return ErrStale
	}
	return nil
}
