package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vnum-cli/vnum/internal/serve"
	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	telnyxwh "github.com/vnum-cli/vnum/internal/webhook/telnyx"
	twiliowh "github.com/vnum-cli/vnum/internal/webhook/twilio"
	vonagewh "github.com/vnum-cli/vnum/internal/webhook/vonage"
	"github.com/vnum-cli/vnum/providers"
)

// The scripts' Telnyx account key: its public half goes to serve through TELNYX_PUBLIC_KEY
// (webhook telnyx-key), its private half signs what `webhook telnyx` sends.
var (
	scriptTelnyxKey = ed25519.NewKeyFromSeed([]byte("vnum-script-telnyx-key-seed-32by"))
	otherTelnyxKey  = ed25519.NewKeyFromSeed([]byte("not-the-account-key-seed-32bytes"))
)

const webhookUsage = `freeport VAR                      set VAR to 127.0.0.1:<a free port> (for VNUM_SERVE_LISTEN)
webhook ready                     wait (10 s at most) until the serve at $VNUM_SERVE_LISTEN answers /healthz
webhook telnyx-key VAR            set VAR to the scripts' Telnyx public key (for TELNYX_PUBLIC_KEY)
webhook [-expect STATUS] [-unsigned|-forged|-stale|-replay] CARRIER key=value...
    send a webhook as CARRIER (twilio, telnyx, vonage, sandbox) to the serve at $VNUM_SERVE_LISTEN,
    on the route serve.json in $VNUM_CONFIG_DIR names, signed as the carrier signs (Twilio with
    $TWILIO_AUTH_TOKEN, Vonage with $VONAGE_SIGNATURE_SECRET when set); prints the status. -replay
    sends the same signed request twice and prints both statuses.
    twilio: MessageSid From To Body…; telnyx: id from to text; vonage: msisdn to messageId text
    concat-ref…; sandbox: id from to text
(exec webhook-flood N C FILE TO: N sandbox SMS at once, in the background; see floodMain)
webhook acked FILE JSON           every id in FILE is in JSON (sms list --json) exactly once`

func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := ln.Addr().String()
	ts.Check(ln.Close())
	ts.Setenv(args[0], addr)
}

func cmdWebhook(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("webhook cannot be negated; use -expect")
	}
	if len(args) == 0 {
		ts.Fatalf("usage:\n%s", webhookUsage)
	}
	switch args[0] {
	case "ready":
		base := serveBase(ts)
		// Ready in well under a second on an idle machine; the limit is for a loaded one (a -race
		// run beside other builds took past 10 s to start serve), and costs nothing otherwise.
		deadline := time.Now().Add(60 * time.Second)
		for {
			resp, err := (&http.Client{Timeout: time.Second}).Get(base + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
			if time.Now().After(deadline) {
				ts.Fatalf("no vnum serve answered at %s within 60 s", base)
			}
			time.Sleep(20 * time.Millisecond)
		}
	case "telnyx-key":
		if len(args) != 2 {
			ts.Fatalf("usage: webhook telnyx-key VAR")
		}
		ts.Setenv(args[1], base64.StdEncoding.EncodeToString(scriptTelnyxKey.Public().(ed25519.PublicKey)))
		return
	case "acked":
		acked(ts, args[1:])
		return
	}
	expect, mode := 0, ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-expect":
			if len(args) < 2 {
				ts.Fatalf("-expect needs a status")
			}
			var err error
			expect, err = strconv.Atoi(args[1])
			ts.Check(err)
			args = args[2:]
			continue
		case "-unsigned", "-forged", "-stale", "-replay":
			mode = args[0][1:]
		default:
			ts.Fatalf("webhook: unknown flag %s", args[0])
		}
		args = args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage:\n%s", webhookUsage)
	}
	carrier, kv := args[0], map[string]string{}
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("webhook: %q is not key=value", a)
		}
		if strings.HasPrefix(v, "@") { // @FILE: the file's first line, as a script saves a number
			b, err := os.ReadFile(ts.MkAbs(v[1:]))
			ts.Check(err)
			v, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
		}
		kv[k] = v
	}
	req := buildWebhook(ts, carrier, kv, mode)
	statuses := []string{send(ts, req())}
	if mode == "replay" {
		statuses = append(statuses, send(ts, req()))
	}
	fmt.Fprintln(ts.Stdout(), strings.Join(statuses, " "))
	if expect != 0 && statuses[len(statuses)-1] != strconv.Itoa(expect) {
		ts.Fatalf("webhook %s: status %s, want %d", carrier, statuses[len(statuses)-1], expect)
	}
}

func serveBase(ts *testscript.TestScript) string {
	listen := ts.Getenv("VNUM_SERVE_LISTEN")
	if listen == "" {
		ts.Fatalf("set VNUM_SERVE_LISTEN (freeport VNUM_SERVE_LISTEN)")
	}
	base, err := serve.LocalBase(listen)
	ts.Check(err)
	return base
}

func routeURL(ts *testscript.TestScript, carrier string) (string, serve.Secrets) {
	s, err := serve.LoadSecrets(ts.Getenv("VNUM_CONFIG_DIR"))
	ts.Check(err)
	return serveBase(ts) + "/hooks/" + s.PathToken + "/" + carrier, s
}

// buildWebhook returns a function making the same signed request each time it is called.
func buildWebhook(ts *testscript.TestScript, carrier string, kv map[string]string, mode string) func() *http.Request {
	u, secrets := routeURL(ts, carrier)
	now := time.Now()
	if mode == "stale" {
		now = now.Add(-10 * time.Minute)
	}
	var body []byte
	header := http.Header{}
	switch carrier {
	case "twilio":
		form := url.Values{}
		for k, v := range kv {
			form.Set(k, v)
		}
		body = []byte(form.Encode())
		header.Set("Content-Type", "application/x-www-form-urlencoded")
		token := ts.Getenv("TWILIO_AUTH_TOKEN")
		if mode == "forged" {
			token += "x"
		}
		if mode != "unsigned" {
			header.Set(twiliowh.SignatureHeader, twiliowh.Sign(token, u, form))
		}
	case "telnyx":
		payload := map[string]any{"data": map[string]any{"event_type": "message.received", "id": "ev-" + kv["id"],
			"payload": map[string]any{"id": kv["id"], "direction": "inbound", "type": "SMS", "text": kv["text"],
				"from": map[string]string{"phone_number": kv["from"]}, "to": []map[string]string{{"phone_number": kv["to"]}}}},
			"meta": map[string]any{"attempt": max(1, atoi(ts, cmpOr(kv["attempt"], "1")))}}
		var err error
		body, err = json.Marshal(payload)
		ts.Check(err)
		header.Set("Content-Type", "application/json")
		key := scriptTelnyxKey
		if mode == "forged" {
			key = otherTelnyxKey
		}
		if mode != "unsigned" {
			sig, stamp := telnyxwh.Sign(key, body, now)
			header.Set(telnyxwh.SignatureHeader, sig)
			header.Set(telnyxwh.TimestampHeader, stamp)
		}
	case "vonage":
		if secret := ts.Getenv("VONAGE_SIGNATURE_SECRET"); secret != "" && mode != "unsigned" {
			kv["timestamp"] = strconv.FormatInt(now.Unix(), 10)
			kv["nonce"] = strconv.FormatInt(now.UnixNano(), 36)
			if mode == "forged" {
				secret += "x"
			}
			kv["sig"] = vonagewh.Sign(secret, vonagewh.SHA256, kv)
		}
		form := url.Values{}
		for k, v := range kv {
			form.Set(k, v)
		}
		body = []byte(form.Encode())
		header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "sandbox":
		body = sandboxwh.Body(providers.Message{ID: kv["id"], From: kv["from"], To: kv["to"], Text: kv["text"], ReceivedAt: time.Now()})
		key := secrets.SandboxKey()
		if mode == "forged" {
			key = []byte("not the secret")
		}
		if mode != "unsigned" {
			header.Set(sandboxwh.SignatureHeader, sandboxwh.Sign(key, body, now))
		}
	default:
		ts.Fatalf("webhook: unknown carrier %q", carrier)
	}
	return func() *http.Request {
		req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
		ts.Check(err)
		req.Header = header.Clone()
		return req
	}
}

func send(ts *testscript.TestScript, req *http.Request) string {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "no-answer"
	}
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

// floodMain is the webhook-flood program the scripts run in the background (so that serve can
// be killed under it): webhook-flood N C FILE TO [RATE] sends N sandbox SMS to TO from C senders
// at once, at most RATE a second when given (so that a kill lands mid-flood however fast the
// machine), to the serve of $VNUM_CONFIG_DIR at $VNUM_SERVE_LISTEN, and writes to FILE the id of
// each the serve acknowledged (200).
func floodMain() int {
	if len(os.Args) != 5 && len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: webhook-flood N C FILE TO [RATE]")
		return 2
	}
	var pace <-chan time.Time
	if len(os.Args) == 6 {
		rate, err := strconv.Atoi(os.Args[5])
		if err != nil || rate <= 0 {
			fmt.Fprintln(os.Stderr, "webhook-flood: RATE must be a positive number")
			return 2
		}
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		pace = t.C
	}
	n, err1 := strconv.Atoi(os.Args[1])
	c, err2 := strconv.Atoi(os.Args[2])
	out, to := os.Args[3], os.Args[4]
	if b, err := os.ReadFile(strings.TrimPrefix(to, "@")); strings.HasPrefix(to, "@") && err == nil {
		to = strings.TrimSpace(string(b))
	}
	secrets, err3 := serve.LoadSecrets(os.Getenv("VNUM_CONFIG_DIR"))
	base, err4 := serve.LocalBase(os.Getenv("VNUM_SERVE_LISTEN"))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	u := base + "/hooks/" + secrets.PathToken + "/sandbox"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	var mu sync.Mutex
	var ok []string
	failed := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				id := fmt.Sprintf("FLOOD%06d", i)
				body := sandboxwh.Body(providers.Message{ID: id, From: "+12025550199", To: to, Text: "code " + id, ReceivedAt: time.Now()})
				req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
				if err != nil {
					continue
				}
				req.Header.Set(sandboxwh.SignatureHeader, sandboxwh.Sign(secrets.SandboxKey(), body, time.Now()))
				resp, err := client.Do(req)
				mu.Lock()
				if err == nil && resp.StatusCode == http.StatusOK {
					ok = append(ok, id)
				} else {
					failed++
				}
				mu.Unlock()
				if err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for i := range n {
		if pace != nil {
			<-pace
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := os.WriteFile(out, []byte(strings.Join(ok, "\n")+"\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("acknowledged %d of %d; unanswered %d\n", len(ok), n, failed)
	return 0
}

func acked(ts *testscript.TestScript, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: webhook acked FILE JSON")
	}
	idsRaw, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	listRaw, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	var msgs []struct {
		ID string `json:"id"`
	}
	ts.Check(json.Unmarshal(listRaw, &msgs))
	count := map[string]int{}
	for _, m := range msgs {
		count[m.ID]++
	}
	n := 0
	for _, id := range strings.Fields(string(idsRaw)) {
		n++
		if count[id] != 1 {
			ts.Fatalf("acknowledged message %s is in the store %d times", id, count[id])
		}
	}
	for id, c := range count {
		if c != 1 {
			ts.Fatalf("message %s is in the store %d times", id, c)
		}
	}
	fmt.Fprintf(ts.Stdout(), "all %d acknowledged messages stored once (%d in the store)\n", n, len(msgs))
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
