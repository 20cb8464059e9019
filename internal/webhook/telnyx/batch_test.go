package telnyx

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
)

// signedReq is one request as Telnyx would send it, and whether it must pass.
type signedReq struct {
	ts   string
	body []byte
	sig  []byte
	good bool
}

// requests returns n requests signed with priv, and the forgeries among them at the positions
// bad names: another key's signature, a changed body, a changed timestamp, S made
// non-canonical (S+l), R changed.
func requests(t *testing.T, priv ed25519.PrivateKey, n int, bad map[int]string) []signedReq {
	t.Helper()
	other := ed25519.NewKeyFromSeed([]byte("another-seed-another-seed-32byte"))
	now := time.Now()
	out := make([]signedReq, n)
	for i := range out {
		body := []byte(fmt.Sprintf(`{"data":{"event_type":"message.received","payload":{"id":"m-%d","to":[{"phone_number":"+13125550002"}]}}}`, i))
		sig, ts := Sign(priv, body, now)
		raw, _ := base64.StdEncoding.DecodeString(sig)
		r := signedReq{ts: ts, body: body, sig: raw, good: true}
		switch bad[i] {
		case "":
		case "other key":
			s, _ := Sign(other, body, now)
			r.sig, _ = base64.StdEncoding.DecodeString(s)
		case "body":
			r.body = append([]byte(nil), body...)
			r.body[len(r.body)-2] = ']'
		case "timestamp":
			r.ts = fmt.Sprint(now.Unix() + 1)
		case "S+l":
			// l = 2^252 + 27742317777372353535851937790883648493, little-endian; S+l < 2^256
			// encodes the same scalar non-canonically, which Ed25519 refuses.
			l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
			s := append([]byte(nil), raw[32:]...)
			carry := 0
			for j := range s {
				v := int(s[j]) + int(l[j]) + carry
				s[j], carry = byte(v), v>>8
			}
			r.sig = append(append([]byte(nil), raw[:32]...), s...)
		case "R changed":
			r.sig = append([]byte(nil), raw...)
			r.sig[0] ^= 0x01
		default:
			t.Fatalf("unknown forgery %q", bad[i])
		}
		r.good = bad[i] == ""
		out[i] = r
	}
	return out
}

// A batch of good signatures holds as a whole; one bad signature makes it fail, and then the
// one-by-one check refuses exactly that one.
func TestBatch(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(seed)
	b := newBatcher(priv.Public().(ed25519.PublicKey))
	for _, forgery := range []string{"", "other key", "body", "timestamp", "S+l", "R changed"} {
		t.Run(forgery, func(t *testing.T) {
			bad := map[int]string{}
			if forgery != "" {
				bad[17] = forgery
			}
			reqs := requests(t, priv, 40, bad)
			batch := make([]*pendingSig, len(reqs))
			for i, r := range reqs {
				batch[i] = &pendingSig{ts: r.ts, body: r.body, sig: r.sig}
			}
			if got := b.batchHolds(batch); got != (forgery == "") {
				t.Fatalf("batchHolds = %v with forgery %q", got, forgery)
			}
			b.check(batch)
			for i, q := range batch {
				if q.ok != reqs[i].good {
					t.Errorf("request %d (%q): ok = %v", i, bad[i], q.ok)
				}
				if q.ok != verifyOne(b.pub, reqs[i].ts, reqs[i].body, reqs[i].sig) {
					t.Errorf("request %d: the batch disagrees with crypto/ed25519", i)
				}
			}
		})
	}
}

// Concurrent requests are checked in batches, each getting its own answer.
func TestVerifyConcurrent(t *testing.T) {
	priv, v := key(t)
	bad := map[int]string{}
	for i := 0; i < 400; i += 37 {
		bad[i] = []string{"other key", "body", "timestamp", "S+l", "R changed"}[i%5]
	}
	reqs := requests(t, priv, 400, bad)
	now := time.Now()
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Verify(r.body, base64.StdEncoding.EncodeToString(r.sig), r.ts, now)
			switch {
			case r.good && err != nil:
				t.Errorf("request %d: %v", i, err)
			case !r.good && err != webhook.ErrForged:
				t.Errorf("request %d (%s): err = %v, want forged", i, bad[i], err)
			}
		}()
	}
	wg.Wait()
}

func BenchmarkVerifyOne(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(seed)
	bt := newBatcher(priv.Public().(ed25519.PublicKey))
	sig, ts := Sign(priv, knownBody, time.Now())
	raw, _ := base64.StdEncoding.DecodeString(sig)
	for b.Loop() {
		if !verifyOne(bt.pub, ts, knownBody, raw) {
			b.Fatal("refused")
		}
	}
}

// BenchmarkBatch is the cost of a batch of 32, per signature (compare BenchmarkVerifyOne).
func BenchmarkBatch32(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(seed)
	bt := newBatcher(priv.Public().(ed25519.PublicKey))
	now := time.Now()
	batch := make([]*pendingSig, 32)
	for i := range batch {
		body := []byte(fmt.Sprintf(`{"i":%d}`, i))
		sig, ts := Sign(priv, body, now)
		raw, _ := base64.StdEncoding.DecodeString(sig)
		batch[i] = &pendingSig{ts: ts, body: body, sig: raw}
	}
	for b.Loop() {
		if !bt.batchHolds(batch) {
			b.Fatal("refused")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch))/1000, "us/sig")
}
