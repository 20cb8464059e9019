package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	sandboxwh "github.com/vnum-cli/vnum/internal/webhook/sandbox"
	"github.com/vnum-cli/vnum/providers"
)

// pushTimeout bounds one push to a local serve: it answers in milliseconds or is not there.
const pushTimeout = 5 * time.Second

// ErrNotRunning means nothing answered at serve's address.
type ErrNotRunning struct{ Base string }

func (e *ErrNotRunning) Error() string { return "vnum serve is not running at " + e.Base }

// PushSandbox plays carrier for the sandbox: it sends m to the serve at base (http://host:port)
// as a signed webhook, as a real carrier would, and returns once serve answered that it stored
// it. Nothing answering gives *ErrNotRunning.
func PushSandbox(ctx context.Context, base string, s Secrets, m providers.Message) error {
	body := sandboxwh.Body(m)
	url := base + "/hooks/" + s.PathToken + "/" + RouteSandbox
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(sandboxwh.SignatureHeader, sandboxwh.Sign(s.SandboxKey(), body, time.Now()))
	// Loopback only, so no proxy: HTTPS_PROXY must not see the sandbox's messages.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: pushTimeout}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			return &ErrNotRunning{Base: base}
		}
		return fmt.Errorf("vnum serve at %s did not answer: %w", base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("vnum serve at %s answered %s (is it the serve of this configuration directory?)", base, resp.Status)
	}
	return nil
}
