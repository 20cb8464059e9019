package numbers

import (
	"context"
	"errors"
	"fmt"

	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/smshook"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// pointSMS points n's inbound SMS at vnum serve's route for its carrier (Config.SMSRoute), as
// serve's own pass would, recording what the number had (smshook.Point). It never fails the
// operation that called it: the number is already stored, and serve's periodic pass points the
// numbers left out. It returns a warning for the user, "" when there is nothing to say.
func (m *Manager) pointSMS(ctx context.Context, n store.Number) string {
	if m.SMSRoute == nil || n.ID == 0 || !n.Features.SMS {
		return ""
	}
	url := m.SMSRoute(n.Provider)
	if url == "" {
		return ""
	}
	p, err := m.provider(n.Provider)
	if err == nil {
		m.Report("Pointing the inbound SMS of " + phone.Format(n.E164) + " at vnum serve")
		_, err = smshook.Point(context.WithoutCancel(ctx), m.Store, p, n, url)
	}
	if err != nil {
		return fmt.Sprintf("the inbound SMS of %s could not be pointed at vnum serve (%v): vnum serve points it on its next pass (within two minutes while it runs)",
			phone.Format(n.E164), err)
	}
	return ""
}

// putBackSMS puts back the inbound SMS URL n had before vnum serve pointed it, before n is
// released (smshook.PutBack). Best effort: a failure keeps the record, which
// `vnum serve --unconfigure` tries again, and never keeps a number (and its bill) alive.
func (m *Manager) putBackSMS(ctx context.Context, p providers.Provider, n store.Number) {
	_, _, err := smshook.PutBack(ctx, m.Store, p, n.Provider, n.CarrierID)
	switch {
	case errors.Is(err, providers.ErrUnsupported):
		// Its SMS are vnum's forwarding flow's now (Twilio): the flow keeps what to give back,
		// and the number goes with it.
		_ = m.Store.DeleteSMSWebhook(context.WithoutCancel(ctx), n.Provider, n.CarrierID)
	case err != nil:
		m.warn(fmt.Sprintf("the inbound SMS URL %s had before vnum serve could not be put back (%v)", phone.Format(n.E164), err))
	}
}

func (m *Manager) warn(msg string) {
	if msg != "" && m.Warn != nil {
		m.Warn(msg)
	}
}
