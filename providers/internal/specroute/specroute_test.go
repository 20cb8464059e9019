package specroute

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindPicksTheMostSpecificTemplate(t *testing.T) {
	doc := &openapi3.T{}
	op := func(id string) *openapi3.Operation { return &openapi3.Operation{OperationID: id} }
	var tab Table
	// Added most general first: the order of a document's paths is a map's.
	require.NoError(t, tab.Add(doc, "/v2/Flows/{Sid}", "/v2/Flows/{Sid}", &openapi3.PathItem{Get: op("FetchFlow"), Post: op("UpdateFlow")}))
	require.NoError(t, tab.Add(doc, "/v2/Flows/Validate", "/v2/Flows/Validate", &openapi3.PathItem{Post: op("ValidateFlow")}))
	require.NoError(t, tab.Add(doc, "/Accounts/{AccountSid}/Numbers/{Sid}.json", "/Accounts/{AccountSid}/Numbers/{Sid}.json",
		&openapi3.PathItem{Delete: op("DeleteNumber")}))
	require.NoError(t, tab.Add(doc, "/sms/{format}", "/{format}", &openapi3.PathItem{Post: op("SendSms")}))

	tests := []struct {
		method, path string
		op           string // "" means not found
		params       map[string]string
	}{
		{"POST", "/v2/Flows/Validate", "ValidateFlow", map[string]string{}},
		{"POST", "/v2/Flows/FW1", "UpdateFlow", map[string]string{"Sid": "FW1"}},
		{"GET", "/v2/Flows/Validate", "FetchFlow", map[string]string{"Sid": "Validate"}}, // Validate has no GET
		{"DELETE", "/Accounts/AC1/Numbers/PN2.json", "DeleteNumber", map[string]string{"AccountSid": "AC1", "Sid": "PN2"}},
		{"POST", "/sms/json", "SendSms", map[string]string{"format": "json"}},
		{"POST", "/json", "", nil}, // served under its server's path only
		{"GET", "/v2/Flows/FW1/Revisions", "", nil},
	}
	for _, tt := range tests {
		route, params, ok := tab.Find(tt.method, tt.path)
		if tt.op == "" {
			assert.False(t, ok, "%s %s", tt.method, tt.path)
			continue
		}
		require.True(t, ok, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.op, route.Operation.OperationID, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.params, params, "%s %s", tt.method, tt.path)
	}
	route, _, _ := tab.Find("POST", "/sms/json")
	assert.Equal(t, "/{format}", route.Path, "the route names the document's own path")
}
