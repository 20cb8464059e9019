// Package httperr turns what net/http hands the REST adapters (no answer, an untrusted
// certificate, a Retry-After header) into vnum's carrier errors, the same way for every carrier,
// and keeps secrets out of their messages.
package httperr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/vnum-cli/vnum/internal/redact"
	"github.com/vnum-cli/vnum/internal/transport"
	"github.com/vnum-cli/vnum/providers"
	"github.com/vnum-cli/vnum/providers/internal/httppolicy"
	"github.com/vnum-cli/vnum/providers/internal/httpretry"
)

// NoAnswer is the error for a request that got no response: the caller's cancellation as such,
// an unverifiable certificate as a plain error (the same certificate comes back every time), and
// anything else as worth trying again. Only the cause is quoted, never the *url.Error around it,
// whose text is the whole URL, query (and any secret in it) included. title is how people name
// the carrier ("Telnyx").
func NoAnswer(ctx context.Context, provider, title, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s %s: %w", provider, op, cerr)
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	var refused *httppolicy.RefusedError
	if errors.As(err, &refused) {
		// Not sent, or a redirect not followed: asking again gets the same answer.
		return &providers.Error{Provider: provider, Op: op, Message: refused.Error()}
	}
	if proxy := transport.ProxyProblem(err); proxy != nil {
		// The proxy refused the tunnel, or HTTPS_PROXY names none: nothing reached the
		// carrier, and asking again meets the same answer.
		return &providers.Error{Provider: provider, Op: op, Message: proxy.Error()}
	}
	if IsCertError(err) {
		return &providers.Error{Provider: provider, Op: op, Message: fmt.Sprintf("cannot verify %s's TLS certificate (%v): "+
			"if a proxy inspects your traffic, point SSL_CERT_FILE at its CA certificate", title, cause)}
	}
	return &providers.Error{Provider: provider, Op: op, Kind: providers.ErrTemporary,
		Message: fmt.Sprintf("cannot reach %s: %v", title, cause)}
}

// MaybeDone marks e, the failure of a write the carrier may have carried out all the same (a
// 5xx, a 2xx vnum cannot read, a redirect not followed), as providers.ErrUnknownOutcome, and
// says so: the caller looks the outcome up rather than sending the write again. title is how
// people name the carrier ("Telnyx").
func MaybeDone(e *providers.Error, title string) {
	e.Kind = providers.ErrUnknownOutcome
	e.Message += "; " + title + " may or may not have carried the request out"
}

// Carrier names a carrier in what Send says: its registry name and how people write it.
type Carrier struct{ Name, Title string }

// Send sends req with hc, a client under the carrier's httppolicy, and reads at most maxBody
// of the answer. No answer, or an answer cut short, comes back as NoAnswer's error; any status
// is the caller's to judge.
func Send(ctx context.Context, hc *http.Client, c Carrier, op string, req *http.Request, maxBody int64) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, NoAnswer(ctx, c.Name, c.Title, op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, NoAnswer(ctx, c.Name, c.Title, op, err)
	}
	return resp, body, nil
}

// IsCertError reports a TLS certificate that could not be verified.
func IsCertError(err error) bool {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var ierr x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &ierr)
}

// RetryAfter is the first of the named headers that holds a wait (Retry-After, or a carrier's
// own such as X-Ratelimit-Reset), 0 when none does.
func RetryAfter(h http.Header, names ...string) time.Duration {
	for _, name := range names {
		if d, ok := httpretry.ParseRetryAfter(h.Get(name), time.Now()); ok && d > 0 {
			return d
		}
	}
	return 0
}

// Redact removes secret, as written and as encoded in a query or path, from the message of a
// *providers.Error: a safety net in case a cause or the carrier's own words quote it.
func Redact(err error, secret string) error {
	var e *providers.Error
	if err == nil || secret == "" || !errors.As(err, &e) {
		return err
	}
	e.Message, e.Code = redact.String(e.Message, secret), redact.String(e.Code, secret)
	return err
}
