package twilio

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	faketwilio "github.com/vnum-cli/vnum/providers/twilio/twiliotest"
)

// fakePage is the fake's IncomingPhoneNumbers page over n seeded numbers, as Twilio shapes it.
func fakePage(t testing.TB, n int) []byte {
	t.Helper()
	f := faketwilio.New(t)
	f.Seed("US", "Local", n)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
		f.URL+"/2010-04-01/Accounts/"+f.AccountSID+"/IncomingPhoneNumbers.json?PageSize=1000", nil)
	require.NoError(t, err)
	req.SetBasicAuth(f.AccountSID, f.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

// checkSameAsEncodingJSON decodes data with decodeOwnedPage and with encoding/json, as
// ownedPage did before, and fails when they differ: in the value, or in failing at all.
func checkSameAsEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	var want ownedPage
	wantErr := json.NewDecoder(bytes.NewReader(data)).Decode(&want)
	got, err := decodeOwnedPage(data)
	if wantErr != nil {
		if err == nil {
			t.Fatalf("decodeOwnedPage(%q) succeeded where encoding/json fails with %v", data, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("decodeOwnedPage(%q): %v; encoding/json reads it", data, err)
	}
	if !assert.Equal(t, &want, got) {
		t.Fatalf("decodeOwnedPage(%q) differs from encoding/json", data)
	}
}

// The fake's page of 1,000 numbers (Twilio's field names and types) reads the same as with
// encoding/json, with the fields List uses all there.
func TestDecodeOwnedPageReadsTheFakesPage(t *testing.T) {
	page := fakePage(t, 1000)
	checkSameAsEncodingJSON(t, page)
	p, err := decodeOwnedPage(page)
	require.NoError(t, err)
	require.Len(t, p.Numbers, 1000)
	n := p.Numbers[0]
	for name, v := range map[string]*string{"sid": n.Sid, "phone_number": n.PhoneNumber, "friendly_name": n.FriendlyName,
		"status": n.Status, "date_created": n.DateCreated} {
		if assert.NotNil(t, v, name) {
			assert.NotEmpty(t, *v, name)
		}
	}
	require.NotNil(t, n.Capabilities)
	assert.True(t, n.Capabilities.Voice || n.Capabilities.Sms, "capabilities read")
}

var ownedPageSeeds = []string{
	`null`,
	`{}`,
	`[]`,
	`"page"`,
	``,
	`{"incoming_phone_numbers":[]}`,
	`{"incoming_phone_numbers":null,"next_page_uri":null}`,
	`{"next_page_uri":"/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?PageSize=50&Page=1&PageToken=PAPN1"}`,
	`{"incoming_phone_numbers":[{"sid":"PN1","phone_number":"+14155550100","friendly_name":"shop","status":"in-use",` +
		`"type":"local","date_created":"Thu, 03 Dec 2026 13:00:00 +0000","voice_url":"","sms_url":null,` +
		`"capabilities":{"voice":true,"sms":true,"mms":false,"fax":null},"subresource_uris":{"assigned_add_ons":"/x"},` +
		`"emergency_address_status":"unregistered","trunk_sid":null,"bundle_sid":null,"api_version":"2010-04-01"}],` +
		`"page":0,"page_size":50,"start":0,"end":0,"uri":"/x","first_page_uri":"/x","previous_page_uri":null,"next_page_uri":null}`,
	// Keys are matched whatever their case, escapes included; the last of a repeated key wins.
	`{"INCOMING_PHONE_NUMBERS":[{"SID":"PN1","Phone_Number":"+1","\u0073ms_url":"x","sid":"PN2"}]}`,
	`{"incoming_phone_numbers":[{"capabilities":{"voice":true}},{"sid":"b"}],"incoming_phone_numbers":[{"capabilities":{"sms":true}}]}`,
	`{"incoming_phone_numbers":[{"sid":"a"},{"sid":"b"}],"incoming_phone_numbers":[null],"incoming_phone_numbers":[null,null]}`,
	`{"incoming_phone_numbers":[{"capabilities":null,"capabilities":{"fax":true}}]}`,
	// Labels a person typed: escapes, non-ASCII, invalid UTF-8, surrogates.
	`{"incoming_phone_numbers":[{"friendly_name":"caf\u00e9 \"bar\"\n\ud83d\ude00 \ud800 é"}]}`,
	"{\"incoming_phone_numbers\":[{\"friendly_name\":\"\xff\xfe bad\"}]}",
	// Wrong types, bad syntax, numbers and literals anywhere else.
	`{"incoming_phone_numbers":[{"sid":5}]}`,
	`{"incoming_phone_numbers":[{"capabilities":{"voice":"yes"}}]}`,
	`{"incoming_phone_numbers":{"sid":"a"}}`,
	`{"incoming_phone_numbers":["a"]}`,
	`{"next_page_uri":["a"]}`,
	`{"x":-0.5e+10,"y":[1,2.0,-3E-2,true,false,null,{"z":{}}],"w":"\/"}`,
	`{"x":01}`,
	`{"x":1.}`,
	`{"x":-}`,
	`{"x":tru}`,
	`{"x":"a` + "\x01" + `"}`,
	`{"x":"\x"}`,
	`{"x":"\u12"}`,
	`{"sid" "a"}`,
	`{"a":1,}`,
	`[1,]`,
	`{"incoming_phone_numbers":[]} trailing words`,
	`  {"next_page_uri":"a"}  `,
}

func TestDecodeOwnedPageCases(t *testing.T) {
	for _, s := range ownedPageSeeds {
		checkSameAsEncodingJSON(t, []byte(s))
	}
}

// FuzzDecodeOwnedPage holds decodeOwnedPage to encoding/json's reading of ownedPage, for any
// input.
//
//	go test -run XXX -fuzz FuzzDecodeOwnedPage ./providers/twilio/
func FuzzDecodeOwnedPage(f *testing.F) {
	for _, s := range ownedPageSeeds {
		f.Add([]byte(s))
	}
	f.Add(fakePage(f, 3))
	f.Fuzz(checkSameAsEncodingJSON)
}

// BenchmarkDecodeOwnedPage1000 compares decodeOwnedPage with encoding/json (what ownedPage used
// before) on the fake's page of 1,000 numbers (1.3 MB).
//
//	go test -run XXX -bench DecodeOwnedPage -benchmem ./providers/twilio/
func BenchmarkDecodeOwnedPage1000(b *testing.B) {
	page := fakePage(b, 1000)
	b.Run("vnum", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if _, err := decodeOwnedPage(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			var p ownedPage
			if err := json.NewDecoder(bytes.NewReader(page)).Decode(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
