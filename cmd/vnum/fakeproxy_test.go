package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The fakeproxy command: the HTTPS proxy of a corporate network that inspects TLS. It answers
// CONNECT for the carriers' own hosts, terminates TLS there with a certificate of its own CA, and
// hands the decrypted requests to the script's fake of that carrier. vnum then runs exactly as
// it would at such a company: no base-URL override, the carriers' real host names, HTTPS_PROXY,
// and the proxy's CA trusted through SSL_CERT_FILE.

const proxyUsage = `fakeproxy start [-auth USER:PASS] [-refuse STATUS]
    start the proxy for this script, in front of the fakes started so far (start them first);
    sets HTTPS_PROXY (with USER:PASS when -auth is given) and PROXY_CA, the CA's PEM file, which
    the script gives vnum as SSL_CERT_FILE. -auth: a CONNECT without those credentials is
    answered 407; -refuse: every CONNECT is answered STATUS (a proxy that blocks the carriers)
fakeproxy refuse STATUS   from now on every CONNECT is answered STATUS (0: forwarded again)
fakeproxy hosts    the hosts CONNECTed to, sorted: HOST:PORT ANSWER (forwarded, refused, unknown)
fakeproxy check    fail if a request reached the proxy for a host of no started fake (! check: if none did)`

type proxyKey struct{}

// proxySession is one script's proxy, nil until fakeproxy start.
type proxySession struct {
	proxy *fakeProxy
}

// carrierHosts are the hosts each adapter may send to, as the Hosts of its httppolicy.Policy
// say them (providers/twilio/client.go, telnyx/telnyx.go, vonage/vonage.go; kept in step by hand):
// an entry with a leading dot is every host under that domain.
var carrierHosts = map[string][]string{
	"twilio": {".twilio.com"}, // api, pricing, studio, numbers…
	"telnyx": {"api.telnyx.com"},
	"vonage": {"rest.nexmo.com", "api.nexmo.com", "api-us.nexmo.com", "api-eu.nexmo.com", "api-ap.nexmo.com",
		"api-us.vonage.com", "api-eu.vonage.com", "api-ap.vonage.com"},
}

func cmdFakeProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 || (neg && args[0] != "check") {
		ts.Fatalf("usage:\n%s", proxyUsage)
	}
	s, _ := ts.Value(proxyKey{}).(*proxySession)
	if s == nil {
		ts.Fatalf("fakeproxy: no session (setupScript did not run)")
	}
	if args[0] == "start" {
		s.start(ts, args[1:])
		return
	}
	if s.proxy == nil {
		ts.Fatalf("fakeproxy %s: run fakeproxy start first", args[0])
	}
	switch {
	case args[0] == "refuse" && len(args) == 2:
		s.proxy.setRefuse(atoi(ts, args[1]))
	case args[0] == "hosts" && len(args) == 1:
		for _, h := range s.proxy.seen() {
			fmt.Fprintln(ts.Stdout(), h)
		}
	case args[0] == "check" && len(args) == 1:
		u := s.proxy.unknownHosts()
		switch {
		case len(u) > 0 && !neg:
			ts.Fatalf("fakeproxy: requests for hosts of no carrier fake: %s", strings.Join(u, ", "))
		case len(u) == 0 && neg:
			ts.Fatalf("fakeproxy: no request for a host of no carrier fake")
		}
	default:
		ts.Fatalf("usage:\n%s", proxyUsage)
	}
}

func (s *proxySession) start(ts *testscript.TestScript, args []string) {
	var auth string
	var refuse int
	fs := flag.NewFlagSet("fakeproxy start", flag.ContinueOnError)
	fs.SetOutput(ts.Stderr())
	fs.StringVar(&auth, "auth", "", "USER:PASS the proxy requires")
	fs.IntVar(&refuse, "refuse", 0, "the status every CONNECT gets")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		ts.Fatalf("usage:\n%s", proxyUsage)
	}
	if s.proxy != nil {
		ts.Fatalf("fakeproxy start: this script already started a proxy")
	}
	// The routes are fixed now, from the fakes started so far, so that the proxy's goroutines
	// never read a session the script is still changing.
	fakes := map[string]string{}
	if f, _ := ts.Value(fakeKey{}).(*fakeSession); f != nil && f.fake != nil {
		fakes["twilio"] = f.fake.URL
	}
	if f, _ := ts.Value(telnyxKey{}).(*telnyxSession); f != nil && f.fake != nil {
		fakes["telnyx"] = f.fake.URL
	}
	if f, _ := ts.Value(vonageKey{}).(*vonageSession); f != nil && f.fake != nil {
		fakes["vonage"] = f.fake.URL
	}
	if len(fakes) == 0 {
		ts.Fatalf("fakeproxy start: start the carrier fakes first")
	}
	p, err := newFakeProxy(fakes, auth, refuse)
	ts.Check(err)
	s.proxy = p
	ts.Defer(p.close)
	caFile := filepath.Join(ts.Getenv("WORK"), "proxy-ca.pem")
	ts.Check(os.WriteFile(caFile, p.caPEM, 0o600))
	proxyURL := &url.URL{Scheme: "http", Host: p.addr}
	if user, pass, ok := strings.Cut(auth, ":"); ok {
		proxyURL.User = url.UserPassword(user, pass)
	}
	ts.Setenv("PROXY_CA", caFile)
	ts.Setenv("HTTPS_PROXY", proxyURL.String())
	fmt.Fprintln(ts.Stdout(), caFile)
}

// fakeProxy is the proxy: outer answers CONNECT, inner serves the decrypted connections.
type fakeProxy struct {
	addr    string
	fakes   map[string]*url.URL // carrier → its fake
	auth    string              // the Proxy-Authorization a CONNECT must carry, "" for none
	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	caPEM   []byte
	outer   *http.Server
	inner   *http.Server
	tunnels *connListener

	mu     sync.Mutex
	refuse int               // the status every CONNECT gets; 0: carriers' hosts are forwarded
	hosts  map[string]string // HOST:PORT → how its last CONNECT was answered ("unknown" stays)
	certs  map[string]*tls.Certificate
}

func newFakeProxy(fakes map[string]string, auth string, refuse int) (*fakeProxy, error) {
	p := &fakeProxy{fakes: map[string]*url.URL{}, refuse: refuse, hosts: map[string]string{}, certs: map[string]*tls.Certificate{}}
	for carrier, raw := range fakes {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		p.fakes[carrier] = u
	}
	if auth != "" {
		p.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(auth))
	}
	if err := p.makeCA(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr = ln.Addr().String()
	p.tunnels = newConnListener(ln.Addr())
	p.inner = &http.Server{
		Handler:           &httputil.ReverseProxy{Rewrite: p.rewrite},
		TLSConfig:         &tls.Config{GetCertificate: p.certificate, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		// A client that does not trust the CA ends the handshake: what the scripts test, not
		// something to log.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	p.outer = &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.inner.Serve(p.tunnels) }()
	go func() { _ = p.outer.Serve(ln) }()
	return p, nil
}

func (p *fakeProxy) close() {
	_ = p.outer.Close()
	_ = p.inner.Close()
}

// carrierOf is the carrier whose fake serves host (no port), "" for none.
func (p *fakeProxy) carrierOf(host string) string {
	host = strings.ToLower(host)
	for carrier, hosts := range carrierHosts {
		if p.fakes[carrier] == nil {
			continue
		}
		for _, h := range hosts {
			if host == strings.TrimPrefix(h, ".") || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
				return carrier
			}
		}
	}
	return ""
}

// connect answers a CONNECT: 403 for a host of no carrier, then refused (-refuse), 407 without
// the credentials (-auth); else the tunnel's TLS goes to the inner server.
func (p *fakeProxy) connect(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	switch {
	case r.Method != http.MethodConnect || err != nil:
		// A plain-http request through the proxy: vnum sends none, so it counts as unknown.
		p.note(r.Host, "unknown")
		http.Error(w, "this proxy only tunnels https", http.StatusForbidden)
		return
	case p.carrierOf(host) == "" || port != "443":
		p.note(r.Host, "unknown")
		http.Error(w, "not a carrier's host", http.StatusForbidden)
		return
	case p.refusing() != 0:
		p.note(r.Host, "refused")
		http.Error(w, "blocked by the proxy's policy", p.refusing())
		return
	case p.auth != "" && r.Header.Get("Proxy-Authorization") != p.auth:
		p.note(r.Host, "refused")
		w.Header().Set("Proxy-Authenticate", `Basic realm="corporate proxy"`)
		http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.note(r.Host, "forwarded")
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		_ = conn.Close()
		return
	}
	// Bytes the client sent after the CONNECT already sit in buf: the TLS handshake reads them.
	p.tunnels.push(tls.Server(&bufferedConn{Conn: conn, r: buf.Reader}, p.inner.TLSConfig))
}

// rewrite sends a decrypted request to the fake of the carrier the client asked for (the TLS
// server name), keeping its Host and saying it came over https, as a fake builds absolute links
// from them.
func (p *fakeProxy) rewrite(pr *httputil.ProxyRequest) {
	carrier := p.carrierOf(pr.In.TLS.ServerName)
	target := p.fakes[carrier]
	if target == nil || !strings.EqualFold(pr.In.TLS.ServerName, hostOnly(pr.In.Host)) {
		p.note(pr.In.Host, "unknown")
		target = &url.URL{Scheme: "http", Host: "127.0.0.1:1"} // nothing listens: the client gets 502
	}
	pr.SetURL(target)
	pr.Out.Host = pr.In.Host
	pr.SetXForwarded()
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func (p *fakeProxy) refusing() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refuse
}

func (p *fakeProxy) setRefuse(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = status
}

func (p *fakeProxy) note(hostport, answer string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hosts[hostport] != "unknown" {
		p.hosts[hostport] = answer
	}
}

func (p *fakeProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for h, a := range p.hosts {
		out = append(out, h+"\t"+a)
	}
	slices.Sort(out)
	return out
}

func (p *fakeProxy) unknownHosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for h, a := range p.hosts {
		if a == "unknown" {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// makeCA makes the script's CA: the one certificate vnum is told to trust.
func (p *fakeProxy) makeCA() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"vnum test"}, CommonName: "corporate TLS inspection CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	p.ca, err = x509.ParseCertificate(der)
	p.caKey = key
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return err
}

// certificate makes (once per host) a certificate for the host the client names, signed by the CA.
func (p *fakeProxy) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := hello.ServerName
	if host == "" {
		return nil, errors.New("no server name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.certs[host]; c != nil {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.certs[host] = c
	return c, nil
}

// connListener is a net.Listener of the tunnels' connections, for the inner server.
type connListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		_ = c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// bufferedConn reads first what the CONNECT's reader had already buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// netnsAvailable reports whether `unshare -rn` can run a command in a network namespace of its
// own, with no network: how a script tries a direct connection (NO_PROXY) without reaching
// the network.
var netnsAvailable = sync.OnceValue(func() bool {
	return exec.Command("unshare", "-rn", "true").Run() == nil
})
