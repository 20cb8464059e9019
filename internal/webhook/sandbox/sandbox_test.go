package sandbox

import (
	"errors"
	"testing"
	"time"

	"github.com/vnum-cli/vnum/internal/webhook"
	"github.com/vnum-cli/vnum/providers"
)

func TestVerify(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	secret := []byte("0123456789abcdef0123456789abcdef")
	m := providers.Message{ID: "SM1", From: "Google", To: "+33612345678", Text: "G-482913", ReceivedAt: now.Add(-time.Second)}
	body := Body(m)
	v := New(secret)
	tests := []struct {
		name    string
		body    []byte
		header  string
		wantErr error
	}{
		{name: "signed", body: body, header: Sign(secret, body, now)},
		{name: "unsigned", body: body, header: "", wantErr: webhook.ErrUnsigned},
		{name: "other secret", body: body, header: Sign([]byte("x"), body, now), wantErr: webhook.ErrForged},
		{name: "body changed", body: append(append([]byte(nil), body...), 'x'), header: Sign(secret, body, now), wantErr: webhook.ErrForged},
		{name: "stale", body: body, header: Sign(secret, body, now.Add(-10*time.Minute)), wantErr: webhook.ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.Verify(tt.body, tt.header, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (res.Inbound.Message.ID != "SM1" || res.Inbound.Message.Text != "G-482913" ||
				!res.Inbound.Message.ReceivedAt.Equal(m.ReceivedAt)) {
				t.Fatalf("got %+v", res.Inbound.Message)
			}
		})
	}
}
