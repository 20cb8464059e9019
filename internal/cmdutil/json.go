package cmdutil

import (
	"encoding/json"
	"time"

	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/providers"
)

// WriteJSON prints v as indented JSON on stdout. Field names are a contract with scripts: they
// are snake_case, documented in the README, and only ever added to.
func WriteJSON(ios *iostreams.IOStreams, v any) error {
	enc := json.NewEncoder(ios.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// NumberJSON is the JSON form of a number, shared by list, show, buy and rotate.
type NumberJSON struct {
	Number         string             `json:"number"`
	Label          string             `json:"label"`
	Provider       string             `json:"provider"`
	CarrierID      string             `json:"carrier_id"`
	Country        string             `json:"country"`
	Type           string             `json:"type"`
	State          string             `json:"state"`
	Managed        bool               `json:"managed"`
	Features       providers.Features `json:"features"`
	ForwardCallsTo string             `json:"forward_calls_to"`
	ForwardSMSTo   string             `json:"forward_sms_to"`
	MonthlyPrice   string             `json:"monthly_price"`
	Currency       string             `json:"currency"`
	BoughtAt       *time.Time         `json:"bought_at"`
	ExpiresAt      *time.Time         `json:"expires_at"`
}

// NumberView converts a stored number to its JSON form.
func NumberView(n store.Number) NumberJSON {
	return NumberJSON{
		Number: n.E164, Label: n.Label, Provider: n.Provider, CarrierID: n.CarrierID, Country: n.Country,
		Type: string(n.Type), State: string(n.State), Managed: n.Managed, Features: n.Features,
		ForwardCallsTo: n.Forward.Calls, ForwardSMSTo: n.Forward.SMS,
		MonthlyPrice: AmountText(n.Monthly), Currency: n.Monthly.Currency,
		BoughtAt: timePtr(n.BoughtAt), ExpiresAt: timePtr(n.ExpiresAt),
	}
}

// AvailableJSON is the JSON form of a number for sale (search, buy --dry-run).
type AvailableJSON struct {
	Number       string             `json:"number"`
	Country      string             `json:"country"`
	Type         string             `json:"type"`
	Features     providers.Features `json:"features"`
	MonthlyPrice string             `json:"monthly_price"`
	UpfrontPrice string             `json:"upfront_price"`
	Currency     string             `json:"currency"`
	Paperwork    string             `json:"paperwork"`
	Locality     string             `json:"locality"`
}

// AvailableView converts a search result to its JSON form.
func AvailableView(a providers.Available) AvailableJSON {
	cur := a.Monthly.Currency
	if cur == "" {
		cur = a.Upfront.Currency
	}
	pw := string(a.Paperwork)
	if pw == "" {
		pw = "none"
	}
	return AvailableJSON{
		Number: a.Number, Country: a.Country, Type: string(a.Type), Features: a.Features,
		MonthlyPrice: AmountText(a.Monthly), UpfrontPrice: a.Upfront.Amount(), Currency: cur,
		Paperwork: pw, Locality: a.Locality,
	}
}

// MessageJSON is the JSON form of an SMS.
type MessageJSON struct {
	ID         string    `json:"id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
	Direction  string    `json:"direction"`
	Withheld   bool      `json:"withheld"`
	Code       *string   `json:"code,omitempty"`
}

// MessageView converts a message to its JSON form.
func MessageView(m providers.Message) MessageJSON {
	dir := "outbound"
	if m.Inbound {
		dir = "inbound"
	}
	return MessageJSON{ID: m.ID, From: m.From, To: m.To, Text: m.Text, ReceivedAt: m.ReceivedAt.UTC(), Direction: dir, Withheld: m.Withheld}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// HistoryJSON is the JSON form of a history entry (release, burn, history).
type HistoryJSON struct {
	Number       string `json:"number"`
	Label        string `json:"label"`
	Provider     string `json:"provider"`
	CarrierID    string `json:"carrier_id"`
	Country      string `json:"country"`
	Type         string `json:"type"`
	MonthlyPrice string `json:"monthly_price"`
	Currency     string `json:"currency"`
	BoughtAt     string `json:"bought_at"`
	EndedAt      string `json:"ended_at"`
	How          string `json:"how"`
	ReplacedBy   string `json:"replaced_by"`
}

// HistoryView converts a history entry to JSON form.
func HistoryView(h store.HistoryEntry) HistoryJSON {
	return HistoryJSON{
		Number: h.E164, Label: h.Label, Provider: h.Provider, CarrierID: h.CarrierID, Country: h.Country,
		Type: string(h.Type), MonthlyPrice: AmountText(h.Monthly), Currency: h.Monthly.Currency,
		BoughtAt: TimeText(h.BoughtAt, h.BoughtAt, false, ""), EndedAt: TimeText(h.EndedAt, h.EndedAt, false, ""),
		How: h.How, ReplacedBy: h.ReplacedBy,
	}
}

// LeaseJSON is the JSON form of a lease (lease, lease return, lease renew, pool list).
type LeaseJSON struct {
	LeaseID   string     `json:"lease_id"`
	Number    string     `json:"number"`
	Label     string     `json:"label"`
	Provider  string     `json:"provider"`
	Pool      string     `json:"pool"`
	Holder    HolderJSON `json:"holder"`
	StartedAt time.Time  `json:"started_at"`
	ExpiresAt time.Time  `json:"expires_at"`
}

// HolderJSON says who holds a lease: the machine, the CI job ("" outside CI) and the process
// that ran `vnum lease` (its parent: the job's shell or test runner).
type HolderJSON struct {
	Host string `json:"host"`
	Job  string `json:"job"`
	PID  int    `json:"pid"`
}

// LeaseView converts a lease and its number to the JSON form.
func LeaseView(l store.Lease, n store.Number) LeaseJSON {
	return LeaseJSON{LeaseID: l.ID, Number: n.E164, Label: n.Label, Provider: n.Provider, Pool: l.Pool,
		Holder:    HolderJSON{Host: l.Holder.Host, Job: l.Holder.Job, PID: l.Holder.PID},
		StartedAt: l.StartedAt.UTC(), ExpiresAt: l.ExpiresAt.UTC()}
}
