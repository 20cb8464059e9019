package store

// This file fixes the store's API: the types and method set the rest of vnum is written against.
// The implementation lives beside it (store.go, migrations, …).

import (
	"errors"
	"time"

	"github.com/vnum-cli/vnum/providers"
)

// Errors the store returns; callers test them with errors.Is.
var (
	ErrNotFound   = errors.New("not found")
	ErrLabelTaken = errors.New("label already in use")
)

// Number is one number vnum manages (or has seen on a carrier and not yet adopted).
type Number struct {
	ID        int64                // local row id, set by InsertNumber
	Provider  string               // "sandbox", "twilio", …
	CarrierID string               // the carrier's id for the number
	E164      string               // "+33612345678"
	Country   string               // "FR"
	Type      providers.NumberType //
	Features  providers.Features   //
	Label     string               // "" for none; unique among stored numbers when not ""
	Forward   providers.Forwarding //
	Monthly   providers.Price      //
	State     providers.State      // carrier state: active, pending, pending_documents, failed
	Managed   bool                 // false: found on the carrier, not bought through vnum (adoptable)
	ExpiresAt time.Time            // zero: never
	BoughtAt  time.Time            //
	UpdatedAt time.Time            // set by the store on every write
}

// How a number left the account.
const (
	EndReleased = "released"
	EndRotated  = "rotated"
	EndBurned   = "burned"
	EndExpired  = "expired"
	EndVanished = "vanished" // the carrier no longer had it (found by reconcile)
)

// HistoryEntry is a number vnum no longer holds.
type HistoryEntry struct {
	ID         int64
	Provider   string
	CarrierID  string
	E164       string
	Country    string
	Type       providers.NumberType
	Label      string
	Monthly    providers.Price
	BoughtAt   time.Time
	EndedAt    time.Time
	How        string // one of the End* constants
	ReplacedBy string // E.164 of the replacement for EndRotated, else ""
}

// Message is one SMS stored for a number.
type Message struct {
	ID       int64 // local row id
	NumberID int64 // Number.ID it belongs to
	providers.Message
	// Claimed is set once `sms wait` has returned this message, so the next wait returns a newer one.
	Claimed bool
}

// Op is one entry of the journal of money-moving operations (buy, release, rotate, burn, expire).
// It is written before the carrier is called and removed when the operation is complete, so an
// operation interrupted at any point can be finished or undone on the next run.
type Op struct {
	ID        int64
	Kind      string // "buy", "release", "rotate", …
	Step      string // how far it got; meaning is up to the caller ("started", "bought", …)
	Provider  string
	NumberID  int64  // the local number it concerns, 0 if none yet
	Payload   []byte // JSON the caller needs to resume
	OwnerPID  int    // process running it; another process resumes it only once that one is gone
	OwnerHost string // host OwnerPID runs on ("" when not recorded): a pid means nothing elsewhere
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Method set of *Store (implemented in store.go):
//
//	Open(path string) (*Store, error)       creates the parent dir 0700 and the file 0600, WAL,
//	                                         busy timeout, runs migrations; safe for many processes;
//	                                         a postgres:// URL opens OpenPostgres instead
//	OpenPostgres(ctx, url) (*Store, error)   one store shared by many machines (dialect.go: the same
//	                                         queries and migrations; oplock.go: the journal's locks)
//	(*Store) OwnerRunning(ctx, opID) (running, known bool, err error)
//	                                         whether a journal entry's owner still runs, when the store
//	                                         can tell (PostgreSQL: by the entry's lock); known=false: ask
//	                                         the owner's pid
//	(*Store) Close() error
//	(*Store) InTx(ctx, fn func(tx *Store) error) error   one IMMEDIATE transaction; nested calls join it
//
//	InsertNumber(ctx, *Number) error          sets ID, UpdatedAt; ErrLabelTaken on a duplicate label
//	UpdateNumber(ctx, *Number) error          by ID; ErrNotFound, ErrLabelTaken
//	GetNumber(ctx, id int64) (Number, error)  ErrNotFound
//	ListNumbers(ctx) ([]Number, error)        ordered by BoughtAt, then ID
//	EndNumber(ctx, id int64, how string, at time.Time, replacedBy string) (HistoryEntry, error)
//	                                          moves the number to history; with EndBurned its messages
//	                                          are deleted too; ErrNotFound
//	ListHistory(ctx) ([]HistoryEntry, error)  ordered by EndedAt, then ID
//	SetHistoryLabel(ctx, id int64, label string) error  ErrNotFound
//
//	AddMessages(ctx, numberID int64, msgs []providers.Message) (added int, err error)
//	                                          ignores messages already stored (same NumberID + Message.ID)
//	ListMessages(ctx, numberID int64, since time.Time) ([]Message, error)  oldest first
//	ClaimMessage(ctx, numberID int64, notBefore time.Time, from string) (Message, bool, error)
//	                                          atomically marks and returns the oldest unclaimed inbound
//	                                          message received at or after notBefore (and from `from`
//	                                          when not ""); false when there is none
//	ClaimFirst(ctx, numberID, notBefore, from, match func(Message) bool) (Message, skipped int, bool, error)
//	                                          the same for the oldest message match accepts; the others
//	                                          stay unclaimed
//
//	BeginOp(ctx, *Op) error                   sets ID, CreatedAt, UpdatedAt
//	BeginNumberOp(ctx, *Op) error             BeginOp that claims op.NumberID: ErrNotFound when the
//	                                          number is no longer stored, *BusyError when another
//	                                          operation on it is in the journal
//	NumberFree(ctx, numberID) error           BeginNumberOp's check, claiming nothing
//	UpdateOp(ctx, *Op) error                  Step, NumberID, Payload, OwnerPID, OwnerHost by ID
//	FinishOp(ctx, id int64) error             removes it
//	ListOps(ctx) ([]Op, error)                oldest first
//	ClaimOp(ctx, id int64, fromPID, toPID int) (bool, error)
//	                                          compare-and-set OwnerPID, so only one process resumes an
//	                                          orphaned operation
//
// Pools and leases (leases.go):
//
//	AddToPool(ctx, numberID, pool) error      PoolOf(ctx, numberID) (pool string, err error)
//	MovePool(ctx, from, to int64) error       a rotate's replacement takes the old number's place and lease
//	ClaimFree(ctx, LeaseQuery, *Lease) (Number, bool, error)
//	                                          leases the first free number of the pool that fits
//	InsertLease(ctx, *Lease) (bool, error)    false when the number is leased already
//	GetLease, LeaseOf, ListLeases, EndLease, RenewLease, PoolEntries
//	ReclaimLeases(ctx, now) ([]Lease, error)  ends expired leases, forgets numbers no longer held
//	ClaimPool(ctx, PoolClaim, stale) / ReleasePool(ctx, pool, token)
//	                                          the one process of the fleet buying for a pool
