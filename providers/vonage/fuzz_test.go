package vonage

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseReportsTime: the Reports API's times, in either form its documents use, read back
// to the same instant; anything else is an error, never a panic or a made-up time.
func FuzzParseReportsTime(f *testing.F) {
	for _, s := range []string{"2017-12-01T00:00:00+0000", "2026-12-03T08:52:24.123Z", "2019-06-28T15:30:00+02:00", "", "2019-06-28", "yesterday"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseReportsTime(s)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("%q: error %v with a time %v", s, err, got)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q: %v is not in UTC", s, got)
		}
		again, err := parseReportsTime(got.Format(reportsTime))
		if err != nil || !again.Equal(got.Truncate(time.Millisecond)) {
			t.Fatalf("%q: %v does not read back (%v, %v)", s, got, again, err)
		}
	})
}

// FuzzStatusError: whatever body an error answer has, the error says something and keeps the
// status; nothing panics.
func FuzzStatusError(f *testing.F) {
	for _, s := range []string{`{"error-code":"420","error-code-label":"method failed"}`, `{"title":"Forbidden","detail":"x"}`,
		`{"error-code":429}`, `<html>bad gateway</html>`, ``, `{"error-code":"200"}`} {
		f.Add(200, s)
		f.Add(500, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 999 {
			return
		}
		err := statusError("buy", &http.Response{StatusCode: status, Header: http.Header{}}, []byte(body))
		if strings.TrimSpace(strings.TrimPrefix(err.Error(), "vonage buy:")) == "" {
			t.Fatalf("status %d body %q: an empty message", status, body)
		}
	})
}
