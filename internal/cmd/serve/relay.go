package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// relaySender sends relayed SMS as `vnum sms send` does (numbers.Manager.Send).
type relaySender struct {
	st *store.Store
	m  *numbers.Manager
}

func (s relaySender) Send(ctx context.Context, numberID int64, to, text string) (providers.Message, error) {
	n, err := s.st.GetNumber(ctx, numberID)
	if errors.Is(err, store.ErrNotFound) { // ended meanwhile: nothing can be sent from it
		return providers.Message{}, &providers.Error{Provider: "vnum", Op: "send", Kind: providers.ErrNotFound,
			Message: fmt.Sprintf("number %d is no longer held", numberID)}
	}
	if err != nil {
		return providers.Message{}, &providers.Error{Provider: "vnum", Op: "send", Kind: providers.ErrTemporary, Message: err.Error()}
	}
	return s.m.Send(ctx, n, to, text)
}

func (s relaySender) CheckSent(ctx context.Context, numberID int64, to, text string, since time.Time) (bool, bool, error) {
	n, err := s.st.GetNumber(ctx, numberID)
	if err != nil {
		return false, false, err
	}
	return s.m.CheckSent(ctx, n, to, text, since)
}

// relayOwner names this serve in the relay claims it makes: host/pid/random, so a claim can be
// told gone (same host, process ended) and two processes never share a name.
func relayOwner(m *numbers.Manager) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", m.Host, m.PID, hex.EncodeToString(b))
}

// relayOwnerGone reports whether the serve that made a claim named owner has ended: only one on
// this host can be checked; others count as running (their claims then expire with the lease).
func relayOwnerGone(m *numbers.Manager) func(owner string) bool {
	return func(owner string) bool {
		parts := strings.Split(owner, "/")
		if len(parts) != 3 || m.Host == "" || parts[0] != m.Host {
			return false
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil {
			return false
		}
		return pid != m.PID && !m.Alive(pid)
	}
}
