package serve

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultListen is where serve listens without --listen or serve.listen: loopback only, for a
// reverse proxy or tunnel in front of it.
const DefaultListen = "127.0.0.1:8080"

// LocalBase is the http URL a process on this machine reaches serve at, given the address it
// listens on: a wildcard host (":8080", "0.0.0.0:8080", "[::]:8080") is reached on loopback.
func LocalBase(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "" {
		return "", fmt.Errorf("listen address %q: want host:port, such as %s", listen, DefaultListen)
	}
	// A port by name ("http") or out of range would only fail at listen, as a runtime error
	// (exit 1) rather than the usage mistake it is.
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("listen address %q: the port must be a number from 0 to 65535, such as %s", listen, DefaultListen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::", "[::]":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// CheckPublicURL checks a --public-url: an absolute http(s) URL without query or fragment. Plain
// http is refused except on loopback: carriers would send codes in clear text.
func CheckPublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("public URL %q: want an https URL such as https://vnum.example.org", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("public URL %q: no query, fragment or user info", raw)
	}
	if u.Scheme == "http" {
		if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("public URL %q: carriers would send messages in clear text; use https", raw)
		}
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Configured reports whether the user set serve up in configDir: serve ran there once (its
// secrets exist) or listen says where it runs. `sms wait` then reads the store often, since
// messages may be pushed at any moment.
func Configured(configDir, listen string) bool {
	if listen != "" {
		return true
	}
	_, err := os.Stat(filepath.Join(configDir, SecretsFile))
	return err == nil
}
