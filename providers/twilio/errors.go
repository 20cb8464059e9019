package twilio

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/vnum-cli/vnum/internal/transport"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httperr"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// Twilio error codes vnum gives a meaning to. https://www.twilio.com/docs/api/errors/<code>
const (
	codeAccountInactive   = 10001 // account suspended, usually a balance at or below zero
	codeTrialFeature      = 10002 // trial accounts cannot do this (e.g. a second number)
	codeAuthenticate      = 20003
	codeNotFound          = 20404
	codeTooManyRequests   = 20429
	codeTrialUnverifiedTo = 21219 // trial: 'To' number not verified
	codeNumberUnavailable = 21422 // PhoneNumber is not available
	codeNoNumbersFound    = 21452 // no phone numbers found
	codeTrialUnverifiedSM = 21608 // trial: SMS to an unverified number
	codeAddressOnFile     = 21613 // an address on file is required
	codeAddressInvalid    = 21628 // address validation failed
	codeAddressRequired   = 21631 // phone number requires an address
	codeBundleRequired    = 21649 // phone number requires an approved bundle
	codeWithheld          = 30038 // message text withheld (one-time codes)
)

// fail turns whatever twilio-go returned into an error the rest of vnum understands: an
// *providers.Error carrying Twilio's code and message and one of the sentinel kinds, or the
// context's error when the operation was cancelled.
func (c *call) fail(err error) error {
	return c.failWrite(err, true)
}

// failList is fail for a list: a 404 there is a page that went missing (or a next-page link
// that leads nowhere), not a number the user named, so it must not read as "not found".
func (c *call) failList(err error) error {
	err = c.fail(err)
	var pe *providers.Error
	if errors.As(err, &pe) && errors.Is(pe.Kind, providers.ErrNotFound) {
		pe.Kind = providers.ErrTemporary
		pe.Message = "Twilio could not find a page of the list (" + pe.Message + ")"
	}
	return err
}

// failOnce is fail for calls whose repetition is not harmless (buying, sending): a lost answer
// there means "unknown outcome", which must not look retryable.
func (c *call) failOnce(err error) error {
	return c.failWrite(err, false)
}

func (c *call) failWrite(err error, safeToRepeat bool) error {
	err = c.failAny(err, safeToRepeat)
	var pe *providers.Error
	if !safeToRepeat && errors.As(err, &pe) && pe.Status >= http.StatusInternalServerError {
		// A server error (a gateway's 502 or 504 above all) says nothing of whether Twilio did
		// the work behind it: not "try again", which would buy or send twice.
		httperr.MaybeDone(pe, "Twilio")
	}
	return err
}

func (c *call) failAny(err error, safeToRepeat bool) (out error) {
	if err == nil {
		return nil
	}
	// Twilio's own words are quoted (and a server that echoes the request would quote the
	// token): whatever the message, the secret never leaves in it.
	defer func() { out = httperr.Redact(out, c.p.password) }()
	if cerr := c.ctx.Err(); cerr != nil {
		return ctxError(c.op, cerr)
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe // ours, from a transport layer: without twilio-go's and net/http's wrapping
	}
	// twilio-go takes the status from the error's JSON body: one that is not Twilio's (a
	// gateway's {"message": …}) leaves it 0, and a 502 would read as "HTTP 0", neither worth a
	// retry nor, to a buy, a possible success. The status on the wire is the one that counts.
	status, _ := c.last.get()
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		return c.restError(cmp.Or(te.Status, status), te.Code, te.Message)
	}
	var ve *client.RestErrorV1
	if errors.As(err, &ve) {
		return c.restError(cmp.Or(ve.HttpStatusCode, status), ve.Code, ve.Message)
	}
	var refused *httppolicy.RefusedError
	if errors.As(err, &refused) {
		// Not sent, or a redirect not followed: the same answer comes back every time.
		return &providers.Error{Provider: Name, Op: c.op, Message: refused.Error()}
	}
	if proxy := transport.ProxyProblem(err); proxy != nil {
		// The proxy refused the tunnel, or HTTPS_PROXY names none: nothing reached Twilio (a
		// write included), and asking again meets the same answer.
		return &providers.Error{Provider: Name, Op: c.op, Message: proxy.Error()}
	}
	if httperr.IsCertError(err) {
		// Not worth retrying: the same certificate comes back every time.
		return &providers.Error{Provider: Name, Op: c.op, Message: fmt.Sprintf("cannot verify Twilio's TLS certificate (%v): "+
			"if a proxy inspects your traffic, point SSL_CERT_FILE at its CA certificate", err)}
	}
	switch {
	case status >= http.StatusBadRequest:
		// An error status whose body was not Twilio JSON (a proxy's HTML page, say).
		return c.restError(status, 0, "")
	case status != 0:
		return &providers.Error{Provider: Name, Op: c.op, Status: status, Message: fmt.Sprintf("unreadable answer from Twilio: %v", err)}
	case safeToRepeat:
		return &providers.Error{
			Provider: Name,
			Op:       c.op,
			Kind:     providers.ErrTemporary,
			Message:  fmt.Sprintf("cannot reach Twilio: %v", err),
		}
	default:
		// No answer at all to a request that is not safe to repeat: Twilio may have acted on
		// it. Deliberately not ErrTemporary, so no retry layer sends it again.
		return &providers.Error{
			Provider: Name,
			Op:       c.op,
			Kind:     providers.ErrUnknownOutcome,
			Message:  fmt.Sprintf("no answer from Twilio (%v); the request may or may not have been carried out", err),
		}
	}
}

// restError maps one Twilio refusal. Twilio's own code and message always stay visible; a few
// codes get a sentence saying what to do, since Twilio's wording names the problem but not the
// vnum flag that fixes it.
func (c *call) restError(status, code int, message string) error {
	e := &providers.Error{Provider: Name, Op: c.op, Status: status, Message: message}
	if code != 0 {
		e.Code = strconv.Itoa(code)
	}
	e.Kind = kindOf(status, code)
	if advice := adviceFor(code); advice != "" {
		if message != "" {
			e.Message = advice + " (Twilio: " + message + ")"
		} else {
			e.Message = advice
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	if errors.Is(e.Kind, providers.ErrRateLimited) {
		e.Retry = c.retryAfter()
	}
	return e
}

// kindOf picks the sentinel for a Twilio code or, failing that, the HTTP status.
func kindOf(status, code int) error {
	switch code {
	case codeAuthenticate:
		return providers.ErrUnauthorized
	case codeNotFound:
		return providers.ErrNotFound
	case codeTooManyRequests:
		return providers.ErrRateLimited
	case codeAddressRequired, codeBundleRequired, codeAddressOnFile, codeAddressInvalid:
		return providers.ErrPaperwork
	case codeNumberUnavailable, codeNoNumbersFound:
		return providers.ErrUnavailable
	case codeAccountInactive:
		return providers.ErrInsufficientFunds
	case codeTrialFeature, codeTrialUnverifiedTo, codeTrialUnverifiedSM:
		return providers.ErrUnsupported // not on a trial account: a refusal, nothing was done
	}
	switch {
	case status == http.StatusUnauthorized:
		return providers.ErrUnauthorized
	case status == http.StatusNotFound:
		return providers.ErrNotFound
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status == http.StatusPaymentRequired:
		return providers.ErrInsufficientFunds
	case status >= 500:
		return providers.ErrTemporary
	}
	return nil
}

// adviceFor is the one plain sentence for codes a burner-number user meets.
func adviceFor(code int) string {
	switch code {
	case codeAddressRequired, codeAddressOnFile:
		return "Twilio needs a postal address on file for this number: create one in the Twilio console " +
			"(Phone Numbers > Regulatory Compliance > Addresses) and pass its AD… id with --address"
	case codeAddressInvalid:
		return "Twilio could not validate the address given: correct it in the Twilio console and try again"
	case codeBundleRequired:
		return "this country needs an approved regulatory bundle: create one in the Twilio console " +
			"(Phone Numbers > Regulatory Compliance > Bundles), wait for approval, then pass its BU… id with --bundle"
	case codeNumberUnavailable:
		return "this number is no longer available: search again and pick another one"
	case codeNoNumbersFound:
		return "Twilio has no numbers matching this request: widen the search"
	case codeAccountInactive:
		return "your Twilio account is not active, usually because its balance is at or below zero: add funds in the Twilio console and try again"
	case codeTrialFeature:
		return "trial accounts cannot do this (they may own only one number): upgrade the Twilio account, or release the trial number first"
	case codeTrialUnverifiedTo, codeTrialUnverifiedSM:
		return "trial accounts reach only verified numbers: verify the destination in the Twilio console (Verified Caller IDs) or upgrade the account"
	}
	return ""
}

func parseRetryAfter(v string) (time.Duration, bool) {
	return httpretry.ParseRetryAfter(v, time.Now())
}
