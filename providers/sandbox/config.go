package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// Environment variables the sandbox reads through Settings.Env.
const (
	envNamespace = "VNUM_SANDBOX_"

	// EnvLatency delays every answer: a duration ("2s") for all operations, or a comma list of
	// op:duration ("buy:3s,search:0s"); both forms mix ("1s,buy:3s").
	EnvLatency = envNamespace + "LATENCY"
	// EnvFail makes operations fail: a comma list of op:kind ("buy:lost,list:rate_limited").
	EnvFail = envNamespace + "FAIL"
	// EnvApproval is how long a number bought with buy:pending waits for its documents (default 3s).
	EnvApproval = envNamespace + "APPROVAL"
	// EnvPaperwork makes countries require paperwork: a comma list of country:address or
	// country:documents ("FR:documents,DE:address").
	EnvPaperwork = envNamespace + "PAPERWORK"
	// EnvSMSForwarding=relay makes the sandbox unable to forward SMS itself, as Telnyx and
	// Vonage are: `vnum forward --sms` then relays them through vnum serve.
	EnvSMSForwarding = envNamespace + "SMS_FORWARDING"
	// EnvDir is where the sandbox keeps its world (sandbox.db) instead of the data directory: one
	// simulated carrier account that several data directories (as several machines) share.
	// Processes share it safely: SQLite in WAL mode, every write one IMMEDIATE transaction.
	EnvDir = envNamespace + "DIR"
)

// DefaultApproval is how long documents take to be approved when EnvApproval is not set.
const DefaultApproval = 3 * time.Second

// Operations, as EnvFail and EnvLatency name them.
const (
	opSearch    = "search"
	opBuy       = "buy"
	opGet       = "get"
	opList      = "list"
	opRelease   = "release"
	opForward   = "forward"
	opLabel     = "label"
	opMessages  = "messages"
	opSend      = "send"
	opDeliver   = "deliver"
	opVerify    = "verify"
	opCall      = "call"      // a simulated incoming call (vnum sandbox call)
	opCalls     = "calls"     // reading the call log
	opVoicemail = "voicemail" // reading, fetching or deleting voicemails
	opAll       = "*"
)

func operations() []string {
	return []string{opSearch, opBuy, opGet, opList, opRelease, opForward, opLabel, opMessages, opSend, opDeliver, opVerify,
		opCall, opCalls, opVoicemail}
}

// failKind is a failure EnvFail can inject.
type failKind string

const (
	failRateLimited       failKind = "rate_limited"
	failOutOfStock        failKind = "out_of_stock"
	failPaperwork         failKind = "paperwork"
	failUnauthorized      failKind = "unauthorized"
	failInsufficientFunds failKind = "insufficient_funds"
	failUnavailable       failKind = "unavailable"
	failNotFound          failKind = "not_found"
	failTemporary         failKind = "temporary"
	// failLost carries the operation out, then reports ErrTemporary as if the answer was lost.
	failLost failKind = "lost"
	// failPending (buy only) buys a number that waits for documents for the approval time.
	failPending failKind = "pending"
)

func failKinds() []failKind {
	return []failKind{failRateLimited, failOutOfStock, failPaperwork, failUnauthorized, failInsufficientFunds,
		failUnavailable, failNotFound, failTemporary, failLost, failPending}
}

// config is the sandbox's behaviour as the environment sets it.
type config struct {
	latency   map[string]time.Duration // by operation; opAll for every operation not listed
	fail      map[string]failKind      // by operation; opAll for every operation not listed
	approval  time.Duration
	paperwork map[string]providers.Paperwork // by country
	noSMSFwd  bool                           // EnvSMSForwarding=relay
}

func readConfig(env providers.Env) (config, error) {
	get := func(key string) string {
		if env == nil {
			return ""
		}
		return strings.TrimSpace(env(key))
	}
	var c config
	var errs []error
	var err error
	if c.latency, err = parseLatency(get(EnvLatency)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvLatency, err))
	}
	if c.fail, err = parseFail(get(EnvFail)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvFail, err))
	}
	c.approval = DefaultApproval
	if v := get(EnvApproval); v != "" {
		if c.approval, err = parseDuration(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvApproval, err))
		}
	}
	if c.paperwork, err = parsePaperwork(get(EnvPaperwork)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", EnvPaperwork, err))
	}
	switch v := get(EnvSMSForwarding); v {
	case "", "native":
	case "relay":
		c.noSMSFwd = true
	default:
		errs = append(errs, fmt.Errorf("%s: %q is neither native nor relay", EnvSMSForwarding, v))
	}
	return c, errors.Join(errs...)
}

// latencyFor is the delay before op answers.
func (c config) latencyFor(op string) time.Duration {
	if d, ok := c.latency[op]; ok {
		return d
	}
	return c.latency[opAll]
}

// failureFor is the failure injected into op, "" for none.
func (c config) failureFor(op string) failKind {
	if k, ok := c.fail[op]; ok {
		return k
	}
	return c.fail[opAll]
}

// entries splits a comma list, dropping empty items so a trailing comma is harmless.
func entries(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func checkOp(op string) error {
	if op == opAll || slices.Contains(operations(), op) {
		return nil
	}
	return fmt.Errorf("unknown operation %q (valid: %s, or * for all)", op, strings.Join(operations(), ", "))
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 2s or 150ms", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// parseLatency reads EnvLatency: "2s", "buy:3s,search:0s" or both mixed.
func parseLatency(s string) (map[string]time.Duration, error) {
	out := make(map[string]time.Duration)
	for _, e := range entries(s) {
		op, value, found := strings.Cut(e, ":")
		if !found {
			op, value = opAll, e
		}
		op, value = strings.TrimSpace(op), strings.TrimSpace(value)
		if err := checkOp(op); err != nil {
			return nil, err
		}
		if _, dup := out[op]; dup {
			return nil, fmt.Errorf("latency for %s given twice", op)
		}
		d, err := parseDuration(value)
		if err != nil {
			return nil, err
		}
		out[op] = d
	}
	return out, nil
}

// parseFail reads EnvFail: "buy:lost,list:rate_limited".
func parseFail(s string) (map[string]failKind, error) {
	out := make(map[string]failKind)
	for _, e := range entries(s) {
		op, kind, found := strings.Cut(e, ":")
		op, kind = strings.TrimSpace(op), strings.TrimSpace(kind)
		if !found || kind == "" {
			return nil, fmt.Errorf("%q is not op:kind, e.g. buy:lost", e)
		}
		if err := checkOp(op); err != nil {
			return nil, err
		}
		k := failKind(kind)
		if !slices.Contains(failKinds(), k) {
			names := make([]string, 0, len(failKinds()))
			for _, k := range failKinds() {
				names = append(names, string(k))
			}
			return nil, fmt.Errorf("unknown failure %q (valid: %s)", kind, strings.Join(names, ", "))
		}
		if k == failPending && op != opBuy {
			return nil, fmt.Errorf("%q: pending applies to buy only", e)
		}
		if _, dup := out[op]; dup {
			return nil, fmt.Errorf("failure for %s given twice", op)
		}
		out[op] = k
	}
	return out, nil
}

// parsePaperwork reads EnvPaperwork: "FR:documents,DE:address".
func parsePaperwork(s string) (map[string]providers.Paperwork, error) {
	out := make(map[string]providers.Paperwork)
	for _, e := range entries(s) {
		country, kind, found := strings.Cut(e, ":")
		country, kind = strings.ToUpper(strings.TrimSpace(country)), strings.TrimSpace(kind)
		if !found {
			return nil, fmt.Errorf("%q is not country:kind, e.g. FR:documents", e)
		}
		if !phonenumbers.GetSupportedRegions()[country] {
			return nil, fmt.Errorf("unknown country %q (ISO 3166-1 alpha-2, e.g. FR)", country)
		}
		switch p := providers.Paperwork(kind); p {
		case providers.PaperworkAddress, providers.PaperworkDocuments:
			out[country] = p
		case "none":
			out[country] = providers.PaperworkNone
		default:
			return nil, fmt.Errorf("unknown paperwork %q (valid: address, documents, none)", kind)
		}
	}
	return out, nil
}
