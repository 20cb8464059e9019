package sandbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/vnum-cli/vnum/providers"
)

// Name is the sandbox's name in the registry and in its errors.
const Name = "sandbox"

// defaultLimit is how many numbers a search offers when the query does not say.
const defaultLimit = 20

// maxLabel is the longest label the sandbox keeps, in characters, as Twilio's FriendlyName.
const maxLabel = 64

// Provider is the sandbox carrier. It is safe for concurrent use, and many Providers (in as many
// processes) may share one data directory.
type Provider struct {
	cfg  config
	path string
	now  func() time.Time

	mu sync.Mutex // guards db
	db *sql.DB    // opened by the first operation that needs it
}

var (
	_ providers.Provider      = (*Provider)(nil)
	_ providers.Forwarder     = (*Provider)(nil)
	_ providers.Labeler       = (*Provider)(nil)
	_ providers.MessageReader = (*Provider)(nil)
	_ providers.MessageSender = (*Provider)(nil)
	_ providers.Verifier      = (*Provider)(nil)
)

// Descriptor tells vnum about the sandbox.
func Descriptor() providers.Descriptor {
	return providers.Descriptor{
		Name:  Name,
		Title: "Sandbox",
		Env: []providers.Var{
			{Name: EnvLatency, Help: "slow sandbox operations: 2s, or per operation: buy:3s,search:0s"},
			{Name: EnvFail, Help: "make sandbox operations fail as a carrier would:\n" +
				"OP:KIND[,OP:KIND…], OP one of search buy get list release\n" +
				"forward label messages send deliver verify or *, KIND one of\n" +
				"rate_limited out_of_stock paperwork unauthorized\n" +
				"insufficient_funds unavailable not_found temporary, lost (done,\n" +
				"but the answer is lost), pending (buy: awaits documents)"},
			{Name: EnvApproval, Help: "how long a \"pending\" sandbox number waits for approval (3s)"},
			{Name: EnvPaperwork, Help: "make sandbox countries need paperwork: FR:documents,DE:address"},
			{Name: EnvSMSForwarding, Help: "relay: the sandbox cannot forward SMS itself (as Telnyx, Vonage): vnum serve relays them"},
			{Name: EnvDir, Help: "directory of the sandbox's world (its numbers and messages) instead of\n" +
				"the data directory: several data directories sharing it are like\n" +
				"several machines on one carrier account"},
		},
		Description:  "Local simulated carrier: simulated numbers at simulated prices, for trying vnum and testing scripts; nothing is charged or sent",
		Capabilities: capabilities(),
		New: func(s providers.Settings) (providers.Provider, error) {
			p, err := New(s)
			if err != nil {
				return nil, err // not p: a nil *Provider would make a non-nil Provider
			}
			return p, nil
		},
	}
}

func capabilities() providers.Capabilities {
	return providers.Capabilities{
		ForwardCalls: true, ForwardSMS: true, ReadSMS: true, SendSMS: true, Labels: true, AsyncOrders: true,
		BlockCalls: true, Voicemail: true, CallLog: true, CallsVia: "simulated: vnum sandbox call",
	}
}

// New returns the sandbox keeping its state in s.DataDir (or the directory EnvDir names),
// configured by the VNUM_SANDBOX_* variables of s.Env. It touches no file: the database is opened by the first operation, so
// building the provider costs nothing at vnum's start-up.
func New(s providers.Settings) (*Provider, error) {
	if s.DataDir == "" {
		return nil, errors.New("sandbox: no data directory")
	}
	cfg, err := readConfig(s.Env)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	dir := s.DataDir
	if s.Env != nil {
		if d := strings.TrimSpace(s.Env(EnvDir)); d != "" {
			if !filepath.IsAbs(d) {
				return nil, fmt.Errorf("sandbox: %s=%q: give an absolute path", EnvDir, d)
			}
			dir = d
		}
	}
	return &Provider{cfg: cfg, path: filepath.Join(dir, DBFile), now: time.Now}, nil
}

// BuysInProcess: a sandbox purchase is one transaction of the process that asks for it, so one
// whose process died is either in the database or was never made (providers.InProcessBuyer).
func (p *Provider) BuysInProcess() bool { return true }

// Close closes the database, if an operation opened it.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	err := p.db.Close()
	p.db = nil
	return err
}

func (p *Provider) conn(ctx context.Context) (*sql.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		db, err := openDB(ctx, p.path)
		if err != nil {
			return nil, err
		}
		p.db = db
	}
	return p.db, nil
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return Name }

// Capabilities implements providers.Provider: the sandbox can do everything.
func (p *Provider) Capabilities() providers.Capabilities {
	c := capabilities()
	c.ForwardSMS = !p.cfg.noSMSFwd
	return c
}

// call runs one operation as a remote carrier would answer it: a refusal injected by
// VNUM_SANDBOX_FAIL instead of the work, or the work (then ErrTemporary for a lost answer), then
// the latency of the way back. region names the country in injected messages, "" if unknown.
func (p *Provider) call(ctx context.Context, op, region string, work func(db *sql.DB) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	switch kind := p.cfg.failureFor(op); kind {
	case "", failLost, failPending:
		err = p.run(ctx, op, work)
		if err == nil && kind == failLost {
			err = lost(op)
		}
	default:
		err = injected(op, kind, region)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if d := p.cfg.latencyFor(op); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

// run does the work of op against the database, reporting database failures as such.
func (p *Provider) run(ctx context.Context, op string, work func(db *sql.DB) error) error {
	if work == nil {
		return nil
	}
	db, err := p.conn(ctx)
	if err == nil {
		err = work(db)
	}
	var refused *providers.Error
	if err != nil && !errors.As(err, &refused) {
		return dbError(op, err)
	}
	return err
}

// Search implements providers.Provider. Offers are deterministic for a given state: the first
// numbers of each type's ranges that are valid, not owned and match the query, the types
// interleaved when the query asks for any type.
func (p *Provider) Search(ctx context.Context, q providers.Query) ([]providers.Available, error) {
	region := strings.ToUpper(strings.TrimSpace(q.Country))
	var out []providers.Available
	err := p.call(ctx, opSearch, region, func(db *sql.DB) error {
		if err := checkQuery(region, q); err != nil {
			return err
		}
		owned, err := ownedIn(ctx, db, region)
		if err != nil {
			return err
		}
		out = p.search(region, q, owned)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkQuery(region string, q providers.Query) error {
	if !phonenumbers.GetSupportedRegions()[region] {
		return invalid(opSearch, "unknown country %q: use an ISO 3166-1 alpha-2 code such as FR or GB", q.Country)
	}
	if q.Type != "" && !q.Type.Valid() {
		return invalid(opSearch, "unknown number type %q", q.Type)
	}
	if c := strings.TrimPrefix(q.Contains, "+"); c != "" && !allDigits(c) {
		return invalid(opSearch, "contains %q: only digits are allowed", q.Contains)
	}
	return nil
}

// ownedIn returns the E.164 digits of the numbers owned with the region's calling code.
func ownedIn(ctx context.Context, db *sql.DB, region string) (map[string]bool, error) {
	cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
	rows, err := db.QueryContext(ctx, "SELECT e164 FROM numbers WHERE e164 LIKE ?", "+"+cc+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	owned := make(map[string]bool)
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		owned[strings.TrimPrefix(e, "+")] = true
	}
	return owned, rows.Err()
}

func (p *Provider) search(region string, q providers.Query, owned map[string]bool) []providers.Available {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	types := providers.NumberTypes()
	if q.Type != "" {
		types = []providers.NumberType{q.Type}
	}
	if q.NoPaperwork && p.cfg.paperwork[region] != providers.PaperworkNone {
		return nil
	}
	cat := catalogueFor(region)
	perType := make([][]providers.Available, 0, len(types))
	for _, t := range types {
		f := features(region, t)
		if (q.SMS && !f.SMS) || (q.Voice && !f.Voice) {
			continue
		}
		perType = append(perType, p.offers(region, t, cat[t], q.Contains, owned, limit))
	}
	var out []providers.Available
	for i := 0; len(out) < limit; i++ {
		added := false
		for _, offers := range perType {
			if i < len(offers) && len(out) < limit {
				out = append(out, offers[i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// offers lists up to limit numbers of one type for sale, in catalogue order.
func (p *Provider) offers(region string, t providers.NumberType, blocks []block, contains string,
	owned map[string]bool, limit int,
) []providers.Available {
	cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
	ndd := phonenumbers.GetNddPrefixForRegion(region, true)
	var out []providers.Available
	for _, b := range blocks {
		for i := range b.size() {
			digits := b.number(i)
			if owned[digits] || !containsDigits(digits, cc, ndd, contains) || !valid(digits, region, t) {
				continue
			}
			out = append(out, p.available(offer{digits: digits, region: region, typ: t, locality: b.locality}))
			if len(out) == limit {
				return out
			}
		}
	}
	return out
}

// containsDigits matches Query.Contains against the national number, with or without its
// trunk prefix ("0639…" and "639…" both find +33639…), or against the whole number when it
// starts with "+".
func containsDigits(digits, cc, ndd, contains string) bool {
	if contains == "" {
		return true
	}
	if rest, ok := strings.CutPrefix(contains, "+"); ok {
		return strings.Contains(digits, rest)
	}
	national := strings.TrimPrefix(digits, cc)
	return strings.Contains(national, contains) || strings.Contains(ndd+national, contains)
}

func (p *Provider) available(o offer) providers.Available {
	return providers.Available{
		Number:    "+" + o.digits,
		Country:   o.region,
		Type:      o.typ,
		Features:  features(o.region, o.typ),
		Monthly:   monthlyPrice(o.region, o.typ, o.digits),
		Paperwork: p.cfg.paperwork[o.region],
		Locality:  o.locality,
	}
}

// Buy implements providers.Provider. Exactly one of several racing buys of a number wins: the
// insert is a single statement against a UNIQUE column, and the losers get ErrUnavailable.
func (p *Provider) Buy(ctx context.Context, req providers.BuyRequest) (providers.Number, error) {
	region := strings.ToUpper(strings.TrimSpace(req.Country))
	hint := region
	if n, err := phonenumbers.Parse(req.Number, ""); hint == "" && err == nil {
		hint = phonenumbers.GetRegionCodeForNumber(n)
	}
	var n providers.Number
	err := p.call(ctx, opBuy, hint, func(db *sql.DB) error {
		o, err := forSale(req, region)
		if err != nil {
			return err
		}
		if need := p.cfg.paperwork[o.region]; !hasPaperwork(req.Regulatory, need) {
			return paperworkError(opBuy, o.region, need)
		}
		if utf8.RuneCountInString(req.Label) > maxLabel {
			return invalid(opBuy, "label is longer than %d characters", maxLabel)
		}
		now := p.now()
		n = providers.Number{
			ID:        newID("SB"),
			Number:    "+" + o.digits,
			Country:   o.region,
			Type:      o.typ,
			Features:  features(o.region, o.typ),
			Label:     req.Label,
			Monthly:   monthlyPrice(o.region, o.typ, o.digits),
			State:     providers.StateActive,
			CreatedAt: now.UTC(),
		}
		var approvedAt int64
		if p.cfg.failureFor(opBuy) == failPending && p.cfg.approval > 0 {
			approvedAt = now.Add(p.cfg.approval).UnixNano()
			n.State = providers.StatePendingDocuments
		}
		res, err := db.ExecContext(ctx, `INSERT INTO numbers (`+numberColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?) ON CONFLICT (e164) DO NOTHING`,
			n.ID, n.Number, n.Country, string(n.Type), n.Features.Voice, n.Features.SMS, n.Features.MMS,
			n.Label, n.Monthly.Micros, n.Monthly.Currency, n.CreatedAt.UnixNano(), approvedAt)
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if rows == 0 {
			return refusal(opBuy, providers.ErrUnavailable, http.StatusConflict, "%s is no longer available", n.Number)
		}
		return nil
	})
	if err != nil {
		return providers.Number{}, err
	}
	return n, nil
}

// forSale finds what the sandbox sells as req.Number.
func forSale(req providers.BuyRequest, region string) (offer, error) {
	if req.Type != "" && !req.Type.Valid() {
		return offer{}, invalid(opBuy, "unknown number type %q", req.Type)
	}
	if o, ok := find(req.Number, region, req.Type); ok {
		return o, nil
	}
	if region != "" && phonenumbers.GetSupportedRegions()[region] {
		cat := catalogueFor(region)
		if (req.Type != "" && len(cat[req.Type]) == 0) || len(cat) == 0 {
			what := "numbers"
			if req.Type != "" {
				what = string(req.Type) + " numbers"
			}
			return offer{}, refusal(opBuy, providers.ErrOutOfStock, http.StatusNotFound,
				"no %s are for sale in %s", what, countryName(region))
		}
	}
	return offer{}, refusal(opBuy, providers.ErrUnavailable, http.StatusConflict, "%s is not available", req.Number)
}

// hasPaperwork reports whether a buy carries what the country needs: an approved bundle for
// documents, an address for an address.
func hasPaperwork(reg map[string]string, need providers.Paperwork) bool {
	switch need {
	case providers.PaperworkDocuments:
		return reg["bundle"] != ""
	case providers.PaperworkAddress:
		return reg["address"] != "" || reg["bundle"] != ""
	}
	return true
}

// Get implements providers.Provider.
func (p *Provider) Get(ctx context.Context, id string) (providers.Number, error) {
	var n providers.Number
	err := p.call(ctx, opGet, "", func(db *sql.DB) error {
		var err error
		n, err = getNumber(ctx, db, id, p.now())
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(opGet, id)
		}
		return err
	})
	if err != nil {
		return providers.Number{}, err
	}
	return n, nil
}

// List implements providers.Provider: every owned number, oldest purchase first.
func (p *Provider) List(ctx context.Context) ([]providers.Number, error) {
	var out []providers.Number
	err := p.call(ctx, opList, "", func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, "SELECT "+numberColumns+" FROM numbers ORDER BY created_at, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		now := p.now()
		for rows.Next() {
			n, err := scanNumber(rows, now)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Release implements providers.Provider; the number's messages go with it.
func (p *Provider) Release(ctx context.Context, id string) error {
	return p.call(ctx, opRelease, "", func(db *sql.DB) error {
		err := inTx(ctx, db, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, "DELETE FROM numbers WHERE id = ?", id)
			if err != nil {
				return err
			}
			rows, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if rows == 0 {
				return notFound(opRelease, id)
			}
			_, err = tx.ExecContext(ctx, "DELETE FROM messages WHERE number_id = ?", id)
			return err
		})
		if err != nil {
			return err
		}
		// Empty the write-ahead log too, so the deleted messages survive in no file; best
		// effort, as SQLite does it anyway when the last connection closes.
		_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		return nil
	})
}

// Verify implements providers.Verifier: the sandbox needs no credentials, so they always work.
func (p *Provider) Verify(ctx context.Context) (string, error) {
	if err := p.call(ctx, opVerify, "", nil); err != nil {
		return "", err
	}
	return Name, nil
}

// newID returns prefix and 32 random lowercase hex digits, as Twilio SIDs look.
func newID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + hex.EncodeToString(b)
}
