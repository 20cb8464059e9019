package httperr

import (
	"errors"
	"testing"

	"github.com/vnum-cli/vnum/providers"
)

func TestMaybeDone(t *testing.T) {
	e := &providers.Error{Provider: "telnyx", Op: "buy", Status: 502, Kind: providers.ErrTemporary, Message: "HTTP 502 Bad Gateway"}
	MaybeDone(e, "Telnyx")
	if !errors.Is(e, providers.ErrUnknownOutcome) || errors.Is(e, providers.ErrTemporary) {
		t.Errorf("kind %v, want ErrUnknownOutcome only: a write whose outcome is unknown must not look retryable", e.Kind)
	}
	if want := "HTTP 502 Bad Gateway; Telnyx may or may not have carried the request out"; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
}
