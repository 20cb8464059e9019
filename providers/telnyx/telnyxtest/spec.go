package telnyxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/vnum-cli/vnum/providers/internal/specdir"
)

// SpecFile is Telnyx's OpenAPI 3.1 document, trimmed to the numbers, messaging and reporting
// paths vnum uses (from github.com/team-telnyx/openapi spec3.yml).
const SpecFile = "spec3.numbers-v2.trimmed.json"

// EnvSpecsDir names a directory holding the specs' parent: $VNUM_SPECS_DIR/telnyx/SpecFile.
const EnvSpecsDir = specdir.Env

// FindSpecsDir locates the Telnyx document: $VNUM_SPECS_DIR/telnyx when set, else
// shared/specs/telnyx beside the repository, found by walking up from dir. It returns "" and
// the places it looked when there is none.
func FindSpecsDir(getenv func(string) string, dir string) (found string, looked []string, err error) {
	return specdir.Find(getenv, dir, "telnyx", []string{SpecFile})
}

// Specs is the loaded document with a router over it. One value can serve any number of fakes
// concurrently: it is read-only once loaded.
type Specs struct {
	router routers.Router
}

// LoadSpecs reads and resolves the document in dir. Its server (https://api.telnyx.com/v2, with
// paths that also start /v2) is dropped: the fake serves the paths on its own base URL.
func LoadSpecs(dir string) (*Specs, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return nil, fmt.Errorf("telnyxtest: load %s: %w", SpecFile, err)
	}
	doc.Servers = nil
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
		for _, op := range item.Operations() {
			op.Servers = nil
		}
	}
	mapDetailRecords(doc)
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("telnyxtest: %w", err)
	}
	return &Specs{router: r}, nil
}

// mapDetailRecords gives DetailRecord's discriminator the mapping the document leaves out. Its
// seven record types share most fields and require only record_type, so a message record
// matches several of the oneOf branches and fails "exactly one"; Telnyx tells them apart by
// record_type, whose default in each branch names it. The change is made to the in-memory copy.
func mapDetailRecords(doc *openapi3.T) {
	ref := doc.Components.Schemas["DetailRecord"]
	if ref == nil || ref.Value == nil || ref.Value.Discriminator == nil {
		return
	}
	mapping := map[string]openapi3.MappingRef{}
	for _, branch := range ref.Value.OneOf {
		if branch.Value == nil || branch.Value.Properties["record_type"] == nil {
			continue
		}
		rt := branch.Value.Properties["record_type"].Value
		if name, ok := rt.Default.(string); ok && name != "" {
			mapping[name] = openapi3.MappingRef(*branch)
		}
	}
	ref.Value.Discriminator.Mapping = mapping
}

// exchange is one request and the answer the fake is about to give, for validation.
type exchange struct {
	req    *http.Request
	body   []byte
	status int
	header http.Header
	resp   []byte
}

// emptyIndex matches a deepObject array element written "filter[features][]=sms".
var emptyIndex = regexp.MustCompile(`\[\]$`)

// indexArrays rewrites "filter[features][]=a&filter[features][]=b", the form Telnyx's
// documentation gives for array filters, as "filter[features][0]=a&filter[features][1]=b", the
// only form kin-openapi reads for arrays inside a deepObject. Nothing else is changed.
func indexArrays(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if !emptyIndex.MatchString(k) {
			out[k] = vs
			continue
		}
		base := strings.TrimSuffix(k, "[]")
		for i, v := range vs {
			out.Set(base+"["+strconv.Itoa(i)+"]", v)
		}
	}
	return out
}

// validate checks the request against the document and, for success statuses, the response
// too. Error responses must have Telnyx's error shape.
func (s *Specs) validate(ctx context.Context, ex exchange) []string {
	var problems []string
	req := ex.req.Clone(ctx)
	req.URL.Scheme, req.URL.Host = "", ""
	req.URL.RawQuery = indexArrays(ex.req.URL.Query()).Encode()
	req.Body = io.NopCloser(bytes.NewReader(ex.body))
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return []string{fmt.Sprintf("%s %s is not an operation of Telnyx's OpenAPI document: %v", ex.req.Method, ex.req.URL.Path, err)}
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: bearerPresent,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
			},
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		problems = append(problems, fmt.Sprintf("request %s %s (operation %s) breaks the spec: %v",
			ex.req.Method, ex.req.URL.RequestURI(), route.Operation.OperationID, err))
	}
	if ex.status >= 400 {
		if err := checkErrorShape(ex.resp); err != nil {
			problems = append(problems, fmt.Sprintf("error response to %s %s: %v", ex.req.Method, ex.req.URL.Path, err))
		}
		return problems
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.status,
		Header:                 ex.header,
		Body:                   io.NopCloser(bytes.NewReader(ex.resp)),
		Options: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
			},
		},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		problems = append(problems, fmt.Sprintf("response %d to %s %s (operation %s) breaks the spec: %v",
			ex.status, ex.req.Method, ex.req.URL.Path, route.Operation.OperationID, err))
	}
	return problems
}

// bearerPresent checks that the request authenticates the way the document says (a bearer
// token); whether the key is right is the fake's business.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); !ok || strings.TrimSpace(tok) == "" {
		return errors.New("no bearer Authorization header")
	}
	return nil
}

// checkErrorShape checks Telnyx's error body: {"errors":[{"code":"…","title":"…",…}]}.
func checkErrorShape(body []byte) error {
	var e struct {
		Errors []struct {
			Code  *string `json:"code"`
			Title *string `json:"title"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not Telnyx's error JSON: %w", err)
	}
	if len(e.Errors) == 0 {
		return fmt.Errorf("a Telnyx error answer carries a non-empty errors list: %s", body)
	}
	for _, x := range e.Errors {
		if x.Code == nil || x.Title == nil {
			return fmt.Errorf("each Telnyx error has a string code and a title: %s", body)
		}
	}
	return nil
}
