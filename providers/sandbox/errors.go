package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vnum-cli/vnum/providers"
)

// rateLimitRetry is how long a rate-limited caller is asked to wait.
const rateLimitRetry = 2 * time.Second

// refusal is the sandbox turning a request down, the way an HTTP carrier would: the status
// doubles as the carrier code.
func refusal(op string, kind error, status int, format string, args ...any) *providers.Error {
	return &providers.Error{
		Provider: Name,
		Op:       op,
		Status:   status,
		Code:     strconv.Itoa(status),
		Kind:     kind,
		Message:  fmt.Sprintf(format, args...),
	}
}

func notFound(op, id string) error {
	return refusal(op, providers.ErrNotFound, http.StatusNotFound, "number %s was not found on this account", id)
}

// invalid refuses a request the sandbox cannot carry out as asked (a malformed number, a label
// too long, SMS to a number that cannot take them).
func invalid(op, format string, args ...any) error {
	return refusal(op, providers.ErrUnsupported, http.StatusBadRequest, format, args...)
}

// paperworkError is what a carrier says when a country wants documents or an address first.
func paperworkError(op, region string, p providers.Paperwork) error {
	where := "this country"
	if region != "" {
		where = countryName(region)
	}
	if p == providers.PaperworkAddress {
		return refusal(op, providers.ErrPaperwork, http.StatusForbidden,
			"%s requires an address on file for this number type", where)
	}
	return refusal(op, providers.ErrPaperwork, http.StatusForbidden,
		"%s requires an approved regulatory bundle for this number type", where)
}

// injected is the error VNUM_SANDBOX_FAIL asks for; region, when known, names the country.
func injected(op string, kind failKind, region string) error {
	switch kind {
	case failRateLimited:
		e := refusal(op, providers.ErrRateLimited, http.StatusTooManyRequests,
			"too many requests: retry after %d seconds", int(rateLimitRetry/time.Second))
		e.Retry = rateLimitRetry
		return e
	case failOutOfStock:
		if region != "" {
			return refusal(op, providers.ErrOutOfStock, http.StatusNotFound,
				"no numbers matching the request are available in %s right now", countryName(region))
		}
		return refusal(op, providers.ErrOutOfStock, http.StatusNotFound, "no numbers matching the request are available right now")
	case failPaperwork:
		return paperworkError(op, region, providers.PaperworkDocuments)
	case failUnauthorized:
		return refusal(op, providers.ErrUnauthorized, http.StatusUnauthorized, "authentication failed: the credentials were rejected")
	case failInsufficientFunds:
		return refusal(op, providers.ErrInsufficientFunds, http.StatusPaymentRequired,
			"insufficient funds: the account balance does not cover this purchase, top up first")
	case failUnavailable:
		return refusal(op, providers.ErrUnavailable, http.StatusConflict, "the number is no longer available")
	case failNotFound:
		return refusal(op, providers.ErrNotFound, http.StatusNotFound, "the requested resource was not found")
	case failTemporary:
		return refusal(op, providers.ErrTemporary, http.StatusServiceUnavailable, "service temporarily unavailable, try again later")
	case failLost:
		return lost(op)
	}
	return nil
}

// lost is the error of an operation that was carried out but whose answer never arrived.
func lost(op string) error {
	return &providers.Error{
		Provider: Name,
		Op:       op,
		Kind:     providers.ErrTemporary,
		Message:  "connection reset before the answer arrived; the request may have been carried out",
	}
}

// dbError reports a failure of the sandbox's own database. A database kept busy by other vnum
// processes beyond the busy timeout is temporary; anything else (a disk full, a file not
// readable) is the user's to fix and keeps its cause.
func dbError(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrTemporary, Message: "sandbox database busy: " + err.Error()}
		}
	}
	return fmt.Errorf("sandbox %s: database: %w", op, err)
}
