package twiliotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/vnum-cli/vnum/providers/internal/specdir"
	"github.com/vnum-cli/vnum/providers/internal/specroute"
)

// SpecFiles lists Twilio's official OpenAPI documents the fake validates against, one per host
// (api, pricing, studio, numbers), as published in github.com/twilio/twilio-oai.
func SpecFiles() []string {
	return []string{"twilio_api_v2010.json", "twilio_pricing_v1.json", "twilio_studio_v2.json", "twilio_numbers_v2.json"}
}

// EnvSpecsDir names a directory holding the specs' parent: $VNUM_SPECS_DIR/twilio/*.json.
const EnvSpecsDir = specdir.Env

// FindSpecsDir locates the Twilio specs: $VNUM_SPECS_DIR/twilio when set, else shared/specs/twilio
// beside the repository, found by walking up from dir (the repository is <x>/main, the specs
// <x>/shared/specs). It returns "" and the places it looked when there are none.
func FindSpecsDir(getenv func(string) string, dir string) (found string, looked []string, err error) {
	return specdir.Find(getenv, dir, "twilio", SpecFiles())
}

// Specs are the loaded Twilio documents with a router over all of them. One value can serve
// any number of fakes concurrently: it is read-only once loaded.
type Specs struct {
	routes specroute.Table
}

// servedPrefixes are the path templates (prefixes) of the products the fake serves. Only they
// are loaded: the whole api_v2010 document takes seconds to resolve under the race detector,
// and a request outside them is reported by the fake as unimplemented anyway.
func servedPrefixes() []string {
	return []string{
		"/2010-04-01/Accounts/{Sid}.json",
		"/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers",
		"/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers",
		"/2010-04-01/Accounts/{AccountSid}/Messages",
		"/2010-04-01/Accounts/{AccountSid}/Calls.json",
		"/2010-04-01/Accounts/{AccountSid}/Recordings.json",
		"/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json",
		"/2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}/Transcriptions.json",
		"/2010-04-01/Accounts/{AccountSid}/OutgoingCallerIds",
		"/v1/PhoneNumbers",
		"/v2/Flows",
		"/v2/RegulatoryCompliance/Bundles",
	}
}

// LoadSpecs reads and resolves the Twilio documents in dir. Each document's servers (one host
// per product) are dropped: the fake serves every product on one base URL and routes by path.
func LoadSpecs(dir string) (*Specs, error) {
	s := &Specs{}
	for _, f := range SpecFiles() {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("twiliotest: %w", err)
		}
		trimmed, err := trimDocument(raw, servedPrefixes())
		if err != nil {
			return nil, fmt.Errorf("twiliotest: %s: %w", f, err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(trimmed)
		if err != nil {
			return nil, fmt.Errorf("twiliotest: load %s: %w", f, err)
		}
		doc.Servers = nil
		for path, item := range doc.Paths.Map() {
			item.Servers = nil
			for _, op := range item.Operations() {
				op.Servers = nil
				typeFormFields(op)
			}
			if err := s.routes.Add(doc, path, path, item); err != nil {
				return nil, fmt.Errorf("twiliotest: %s: %w", f, err)
			}
		}
	}
	return s, nil
}

// trimDocument keeps the paths under the given prefixes and the components they reference,
// and drops prose and examples (which validation does not use). What is kept is unchanged.
func trimDocument(raw []byte, prefixes []string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	for p := range paths {
		if !slices.ContainsFunc(prefixes, func(pre string) bool { return strings.HasPrefix(p, pre) }) {
			delete(paths, p)
		}
	}
	comps, _ := doc["components"].(map[string]any)
	refs := map[string]bool{}
	collectRefs(paths, refs)
	for grown := true; grown; {
		n := len(refs)
		for r := range refs {
			collectRefs(component(comps, r), refs)
		}
		grown = len(refs) > n
	}
	for kind, section := range comps {
		entries, ok := section.(map[string]any)
		if !ok || kind == "securitySchemes" {
			continue
		}
		for name := range entries {
			if !refs["#/components/"+kind+"/"+name] {
				delete(entries, name)
			}
		}
	}
	return json.Marshal(stripProse(doc, false))
}

func component(comps map[string]any, ref string) any {
	kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
	if !ok {
		return nil
	}
	section, _ := comps[kind].(map[string]any)
	return section[name]
}

func collectRefs(v any, refs map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				refs[s] = true
			}
			collectRefs(e, refs)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, refs)
		}
	}
}

// stripProse drops description, summary and example keywords; inProperties marks a map whose
// keys are property names, which are kept whatever they are called.
func stripProse(v any, inProperties bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if !inProperties && (k == "description" || k == "summary" || k == "examples" || k == "example") {
				continue
			}
			out[k] = stripProse(e, !inProperties && k == "properties")
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripProse(e, false)
		}
		return out
	}
	return v
}

// typeFormFields gives untyped form fields the type they have on the wire, string. Studio's
// Definition is declared without a type (it is JSON sent as a form value), and kin-openapi
// decodes an untyped form field to null, which would then fail as "not nullable". The change is
// made to the in-memory copy only.
func typeFormFields(op *openapi3.Operation) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return
	}
	mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return
	}
	for _, prop := range mt.Schema.Value.Properties {
		v := prop.Value
		if prop.Ref != "" || v == nil || (v.Type != nil && len(v.Type.Slice()) > 0) ||
			len(v.Enum) > 0 || v.Const != nil || len(v.OneOf)+len(v.AnyOf)+len(v.AllOf) > 0 {
			continue
		}
		v.Type = &openapi3.Types{openapi3.TypeString}
	}
}

// exchange is one request and the answer the fake is about to give, for validation.
type exchange struct {
	req    *http.Request
	body   []byte
	status int
	header http.Header
	resp   []byte
}

// validate checks the request against the documents and, for success statuses (the documents
// define no others), the response too. Error responses must have Twilio's error shape.
func (s *Specs) validate(ctx context.Context, ex exchange) []string {
	var problems []string
	route, params, ok := s.routes.Find(ex.req.Method, ex.req.URL.Path)
	if !ok {
		return []string{fmt.Sprintf("%s %s is not an operation of Twilio's OpenAPI documents", ex.req.Method, ex.req.URL.Path)}
	}
	req := ex.req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(ex.body))
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: basicAuthPresent,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
				openapi3.WithStringFormatValidators(requestFormats()),
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
				openapi3.WithStringFormatValidators(responseFormats()),
			},
		},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		problems = append(problems, fmt.Sprintf("response %d to %s %s (operation %s) breaks the spec: %v",
			ex.status, ex.req.Method, ex.req.URL.Path, route.Operation.OperationID, err))
	}
	return problems
}

// basicAuthPresent checks that the request authenticates the way the documents say (HTTP
// basic); whether the credentials are right is the fake's business.
func basicAuthPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return errors.New("no HTTP basic Authorization header")
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return fmt.Errorf("basic credentials are not base64: %w", err)
	}
	user, pass, ok := strings.Cut(string(dec), ":")
	if !ok || user == "" || pass == "" {
		return errors.New("basic credentials lack a user or password")
	}
	return nil
}

var (
	e164Format    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	countryFormat = regexp.MustCompile(`^[A-Z]{2}$`)
)

// requestFormats are Twilio's custom string formats, checked strictly on what vnum sends.
func requestFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"phone-number":     openapi3.NewRegexpFormatValidator(e164Format.String()),
		"iso-country-code": openapi3.NewRegexpFormatValidator(countryFormat.String()),
		"uri":              openapi3.NewCallbackValidator(checkURI),
	}
}

// responseFormats check what the fake answers; phone-number is loose there since Twilio puts
// formatted numbers and sender ids in fields of that format.
func responseFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"date-time-rfc-2822": openapi3.NewCallbackValidator(func(s string) error {
			_, err := time.Parse(time.RFC1123Z, s)
			return err
		}),
		"iso-country-code": openapi3.NewRegexpFormatValidator(countryFormat.String()),
	}
}

// checkURI accepts an absolute http(s) URL, or the empty string Twilio takes as "none". The
// documents say format uri, which a mock built from them (Prism) reads as refusing "": vnum
// sends "" only to clear a webhook of its own that had no URL before it.
func checkURI(s string) error {
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// checkErrorShape checks Twilio's error body: {code, message, more_info, status}.
func checkErrorShape(body []byte) error {
	var e struct {
		Code     *int    `json:"code"`
		Message  *string `json:"message"`
		MoreInfo *string `json:"more_info"`
		Status   *int    `json:"status"`
	}
	if err := jsonStrict(body, &e); err != nil {
		return fmt.Errorf("not Twilio's error JSON: %w", err)
	}
	if e.Code == nil || e.Message == nil || e.MoreInfo == nil || e.Status == nil {
		return fmt.Errorf("a Twilio error carries code, message, more_info and status: %s", body)
	}
	return nil
}
