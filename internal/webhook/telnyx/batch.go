package telnyx

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"runtime"
	"sync"

	"filippo.io/edwards25519"
)

// Ed25519 verification is most of the CPU a Telnyx webhook costs (BenchmarkLoad in
// internal/serve). Requests that arrive together are checked together: every webhook of an
// account is signed with the one key A, so n signatures (R_i, S_i) over messages M_i hold,
// with random 128-bit z_i, when
//
//	[8]([Σ z_i·S_i]B − Σ [z_i]R_i − [Σ z_i·k_i]A) = 0,  k_i = SHA-512(R_i ‖ A ‖ M_i)
//
// which is one multi-scalar multiplication over the R_i and A instead of n double scalar
// multiplications: about a third of the work per signature in batches of a few dozen. A batch
// that does not hold (one bad signature among good ones) is checked again one signature at a
// time with crypto/ed25519, which alone decides what is refused. A forger gains nothing from
// the batch: without the private key no z_i-weighted sum of his signatures holds but with
// probability 2⁻¹²⁸.
//
// There is no goroutine of its own: the first request to find no batch under way checks the
// ones waiting (its own among them) and hands the next batch to one of the requests that came
// meanwhile, so a quiet server checks each signature at once, as before.

// maxBatch bounds one batch, so a request never waits behind more than one batch of others.
const maxBatch = 64

// pendingSig is one signature waiting to be checked.
type pendingSig struct {
	ts   string
	body []byte
	sig  []byte // 64 bytes: R ‖ S
	ok   bool
	lead bool          // set instead of ok: this request checks the next batch
	done chan struct{} // closed when ok (or lead) is set
}

// batcher gathers the signatures of one key.
type batcher struct {
	pub  ed25519.PublicKey
	a    *edwards25519.Point // pub, decoded once; nil when it does not decode (then single checks)
	mu   sync.Mutex
	busy bool
	wait []*pendingSig
	// lastBatch is the size of the batch checked last: a server that had company then likely
	// has it now.
	lastBatch int
}

func newBatcher(pub ed25519.PublicKey) *batcher {
	b := &batcher{pub: pub}
	if a, err := edwards25519.NewIdentityPoint().SetBytes(pub); err == nil {
		b.a = a
	}
	return b
}

// verify reports whether sig is pub's signature of "ts|body".
func (b *batcher) verify(ts string, body, sig []byte) bool {
	p := &pendingSig{ts: ts, body: body, sig: sig, done: make(chan struct{})}
	b.mu.Lock()
	b.wait = append(b.wait, p)
	if b.busy {
		b.mu.Unlock()
		<-p.done
		if !p.lead {
			return p.ok
		}
		b.mu.Lock() // this request checks the next batch, its own among it
	}
	b.busy = true
	if len(b.wait) == 1 && b.lastBatch > 1 {
		// Busy lately, and alone now: let the requests being read on this core catch up, so
		// they are checked with this one rather than one by one after it.
		b.mu.Unlock()
		runtime.Gosched()
		b.mu.Lock()
	}
	n := min(len(b.wait), maxBatch)
	b.lastBatch = n
	batch := b.wait[:n:n]
	b.wait = append([]*pendingSig(nil), b.wait[n:]...)
	b.mu.Unlock()

	b.check(batch)

	b.mu.Lock()
	if len(b.wait) > 0 {
		next := b.wait[0] // stays busy: the next batch is next's to check
		next.lead = true
		close(next.done)
	} else {
		b.busy = false
	}
	b.mu.Unlock()
	for _, q := range batch {
		if q != p {
			close(q.done)
		}
	}
	return p.ok
}

// check sets ok on each of batch.
func (b *batcher) check(batch []*pendingSig) {
	if len(batch) > 1 && b.a != nil && b.batchHolds(batch) {
		for _, q := range batch {
			q.ok = true
		}
		return
	}
	for _, q := range batch {
		q.ok = verifyOne(b.pub, q.ts, q.body, q.sig)
	}
}

// verifyOne is crypto/ed25519's check, the one that decides.
func verifyOne(pub ed25519.PublicKey, ts string, body, sig []byte) bool {
	msg := make([]byte, 0, len(ts)+1+len(body))
	msg = append(append(append(msg, ts...), '|'), body...)
	return ed25519.Verify(pub, msg, sig)
}

// batchHolds reports whether the batch equation holds for every signature of batch.
func (b *batcher) batchHolds(batch []*pendingSig) bool {
	n := len(batch)
	zs := make([]byte, 16*n)
	if _, err := rand.Read(zs); err != nil {
		return false
	}
	scalars := make([]*edwards25519.Scalar, 0, n+1)
	points := make([]*edwards25519.Point, 0, n+1)
	sumS := edwards25519.NewScalar() // Σ z_i·S_i
	sumK := edwards25519.NewScalar() // Σ z_i·k_i
	var zb, digest [64]byte
	h := sha512.New()
	for i, q := range batch {
		r, err := edwards25519.NewIdentityPoint().SetBytes(q.sig[:32])
		if err != nil {
			return false
		}
		s, err := edwards25519.NewScalar().SetCanonicalBytes(q.sig[32:])
		if err != nil {
			return false
		}
		h.Reset()
		h.Write(q.sig[:32])
		h.Write(b.pub)
		h.Write([]byte(q.ts))
		h.Write([]byte{'|'})
		h.Write(q.body)
		k, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
		if err != nil {
			return false
		}
		copy(zb[:16], zs[16*i:16*i+16]) // zb[16:32] stay zero: z < 2¹²⁸ < l
		z, err := edwards25519.NewScalar().SetCanonicalBytes(zb[:32])
		if err != nil {
			return false
		}
		sumS.MultiplyAdd(z, s, sumS)
		sumK.MultiplyAdd(z, k, sumK)
		scalars = append(scalars, z)
		points = append(points, r)
	}
	scalars = append(scalars, sumK)
	points = append(points, b.a)
	rhs := edwards25519.NewIdentityPoint().VarTimeMultiScalarMult(scalars, points) // Σ z_i·R_i + [Σ z_i·k_i]A
	lhs := edwards25519.NewIdentityPoint().ScalarBaseMult(sumS)
	d := edwards25519.NewIdentityPoint().Subtract(lhs, rhs)
	return d.MultByCofactor(d).Equal(edwards25519.NewIdentityPoint()) == 1
}
