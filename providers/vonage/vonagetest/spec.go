package vonagetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/vnum-cli/vnum/providers/internal/specdir"
	"github.com/vnum-cli/vnum/providers/internal/specroute"
)

// SpecFiles lists Vonage's OpenAPI documents the fake validates against, as published in
// github.com/Nexmo/api-specification (definitions/*.yml).
func SpecFiles() []string {
	return []string{"numbers.yml", "account.yml", "pricing.yml", "sms.yml", "reports.yml"}
}

// EnvSpecsDir names a directory holding the documents' parent: $VNUM_SPECS_DIR/vonage/*.yml.
const EnvSpecsDir = specdir.Env

// FindSpecsDir locates the Vonage documents: $VNUM_SPECS_DIR/vonage when set, else
// shared/specs/vonage beside the repository, found by walking up from dir. It returns "" and
// the places it looked when there are none.
func FindSpecsDir(getenv func(string) string, dir string) (found string, looked []string, err error) {
	return specdir.Find(getenv, dir, "vonage", SpecFiles())
}

// Specs are the loaded documents with a router over all of them; read-only once loaded, so one
// value serves any number of fakes at once.
type Specs struct {
	routes specroute.Table
}

// LoadSpecs reads the documents in dir and adapts them, in memory, to how Vonage really
// answers; each change is a documented gap between the documents and the service:
//   - Each document's paths are served under its server's path, as Vonage serves them:
//     sms.yml's /{format} is /sms/json, pricing.yml's /get-pricing/… is /account/get-pricing/….
//   - Response schemas that list alternatives with oneOf (the SMS API's message or error, the
//     Reports API's record kinds) do not make them exclusive (no required fields, no
//     discriminator), so any answer matches several: they are checked as anyOf.
//   - The SMS API's message form is declared without a type: it is an object.
//   - The Reports API declares its times as format "date" while describing, and answering,
//     ISO 8601 date-times: "date" accepts both (see formats).
func LoadSpecs(dir string) (*Specs, error) {
	s := &Specs{}
	for _, f := range SpecFiles() {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("vonagetest: %w", err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			return nil, fmt.Errorf("vonagetest: load %s: %w", f, err)
		}
		prefix := serverPath(doc.Servers)
		for path, item := range doc.Paths.Map() {
			served := prefix
			if len(item.Servers) > 0 {
				served = serverPath(item.Servers)
			}
			for _, op := range item.Operations() {
				typeFormBody(op)
				if op.Responses == nil {
					continue
				}
				for _, resp := range op.Responses.Map() {
					if resp.Value == nil {
						continue
					}
					for _, mt := range resp.Value.Content {
						if mt.Schema != nil && mt.Schema.Value != nil {
							oneOfAsAnyOf(mt.Schema.Value)
						}
					}
				}
			}
			if err := s.routes.Add(doc, served+path, path, item); err != nil {
				return nil, fmt.Errorf("vonagetest: %s: %w", f, err)
			}
		}
		doc.Servers = nil
	}
	return s, nil
}

// serverPath is the path of the first server URL ("/sms" of https://rest.nexmo.com/sms).
func serverPath(servers openapi3.Servers) string {
	if len(servers) == 0 {
		return ""
	}
	u, err := url.Parse(servers[0].URL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

func oneOfAsAnyOf(s *openapi3.Schema) {
	if len(s.OneOf) > 0 {
		s.AnyOf, s.OneOf = append(s.AnyOf, s.OneOf...), nil
	}
}

// typeFormBody gives a form body schema declared without a type (the SMS API's NewMessage) the
// type it has on the wire, object: kin-openapi decodes forms only into object schemas.
func typeFormBody(op *openapi3.Operation) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return
	}
	mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return
	}
	if v := mt.Schema.Value; v.Type == nil || len(v.Type.Slice()) == 0 {
		v.Type = &openapi3.Types{openapi3.TypeObject}
	}
}

// exchange is one request and the answer the fake is about to give.
type exchange struct {
	req    *http.Request
	body   []byte
	form   url.Values // query, or for a POST the form body
	status int
	header http.Header
	resp   []byte
}

// validate checks the request against the documents, and the response too when its status is
// one the operation documents; an undocumented error status (429, 5xx, the Reports API's 401)
// must still have one of Vonage's two error shapes.
func (s *Specs) validate(ctx context.Context, ex exchange) []string {
	route, params, ok := s.routes.Find(ex.req.Method, ex.req.URL.Path)
	if !ok {
		return []string{fmt.Sprintf("%s %s is not an operation of Vonage's OpenAPI documents", ex.req.Method, ex.req.URL.Path)}
	}
	var problems []string
	req := ex.req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(ex.body))
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: credentialsPresent(ex),
			// Judge what vnum sent, not defaults filled in: the Reports API's defaults ("none")
			// are not among their own allowed values.
			SkipSettingDefaults: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(), openapi3.WithStringFormatValidators(formats()),
			},
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		problems = append(problems, fmt.Sprintf("request %s %s (operation %s) breaks the documents: %v",
			ex.req.Method, ex.req.URL.Path, route.Operation.OperationID, redactSecrets(err.Error(), ex.form)))
	}
	if route.Operation.Responses.Status(ex.status) == nil {
		if ex.status >= 400 {
			if err := checkErrorShape(ex.resp); err != nil {
				problems = append(problems, fmt.Sprintf("error %d to %s %s: %v", ex.status, ex.req.Method, ex.req.URL.Path, err))
			}
			return problems
		}
		return append(problems, fmt.Sprintf("status %d to %s %s is not documented", ex.status, ex.req.Method, ex.req.URL.Path))
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
				openapi3.EnableFormatValidation(), openapi3.WithStringFormatValidators(formats()),
			},
		},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		problems = append(problems, fmt.Sprintf("response %d to %s %s (operation %s) breaks the documents: %v",
			ex.status, ex.req.Method, ex.req.URL.Path, route.Operation.OperationID, err))
	}
	return problems
}

// credentialsPresent checks that a request authenticates where the documents say: HTTP Basic,
// or api_key and api_secret as query parameters, POSTs included: Vonage itself also takes them
// as form fields, but a mock built from the documents (Prism) answers those with 401. Whether
// they are right is the fake's business.
func credentialsPresent(ex exchange) openapi3filter.AuthenticationFunc {
	return func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		sch := in.SecurityScheme
		switch {
		case sch.Type == "http" && strings.EqualFold(sch.Scheme, "basic"):
			raw, ok := strings.CutPrefix(ex.req.Header.Get("Authorization"), "Basic ")
			if !ok {
				return errors.New("no HTTP Basic Authorization header")
			}
			dec, err := base64.StdEncoding.DecodeString(raw)
			if err != nil {
				return errors.New("basic credentials are not base64")
			}
			if user, pass, ok := strings.Cut(string(dec), ":"); !ok || user == "" || pass == "" {
				return errors.New("basic credentials lack a user or a password")
			}
			return nil
		case sch.Type == "apiKey" && sch.In == "query":
			if ex.req.URL.Query().Get(sch.Name) == "" {
				return fmt.Errorf("no %s in the query", sch.Name)
			}
			return nil
		}
		return fmt.Errorf("security scheme %q (%s) is not one the fake knows", in.SecuritySchemeName, sch.Type)
	}
}

// formats: "date" as the Reports API uses it (a date or an ISO 8601 date-time, offset with or
// without a colon); "url" as the Numbers API uses it for webhooks.
func formats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"date": openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse("2006-01-02", s); err == nil {
				return nil
			}
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
				if _, err := time.Parse(layout, s); err == nil {
					return nil
				}
			}
			return fmt.Errorf("%q is neither a date nor an ISO 8601 date-time", s)
		}),
		"url": openapi3.NewCallbackValidator(func(s string) error {
			if s == "" || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
				return nil
			}
			return fmt.Errorf("%q is not an http(s) URL", s)
		}),
	}
}

// checkErrorShape accepts Vonage's legacy {"error-code","error-code-label"} and RFC 7807
// {"type","title",…} errors.
func checkErrorShape(body []byte) error {
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	_, code := e["error-code"].(string)
	_, label := e["error-code-label"].(string)
	_, title := e["title"].(string)
	if (code && label) || title {
		return nil
	}
	return fmt.Errorf("neither {error-code, error-code-label} nor RFC 7807 {type, title}: %s", body)
}

// redactSecrets keeps the secret out of a validation message that quotes the request.
func redactSecrets(msg string, form url.Values) string {
	if s := form.Get("api_secret"); s != "" {
		msg = strings.ReplaceAll(msg, s, "[redacted]")
	}
	return msg
}
