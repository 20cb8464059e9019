// Package specroute finds the operation of a carrier's OpenAPI documents that a request to a
// fake carrier is for, by the documents' path templates. kin-openapi's own routers do not
// match a parameter followed by more text in the same segment ("/{Sid}.json"), and they route
// by the documents' servers, which the fakes, serving every product on one base URL, drop.
package specroute

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Table is the path templates of one or more documents. It is read-only once filled, so one
// value serves any number of fakes at once.
type Table struct {
	routes []route // fewest parameters first, then most literal text: the most specific wins
}

type route struct {
	re    *regexp.Regexp
	names []string // the parameters, in order
	lits  int      // characters outside parameters
	doc   *openapi3.T
	path  string // as in the document
	item  *openapi3.PathItem
}

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// Add adds a document's path item. served is the template the fake serves it at: the
// document's path, or that path under its server's (Vonage's "/sms" + "/{format}").
func (t *Table) Add(doc *openapi3.T, served, path string, item *openapi3.PathItem) error {
	var b strings.Builder
	b.WriteString("^")
	var names []string
	last, params := 0, 0
	for _, m := range templateParam.FindAllStringSubmatchIndex(served, -1) {
		b.WriteString(regexp.QuoteMeta(served[last:m[0]]))
		b.WriteString(`([^/]+?)`)
		names = append(names, served[m[2]:m[3]])
		params += m[1] - m[0]
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(served[last:]) + "$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return fmt.Errorf("path %s: %w", served, err)
	}
	r := route{re: re, names: names, lits: len(served) - params, doc: doc, path: path, item: item}
	// After every route at least as specific: literal segments win over parameters
	// (/v2/Flows/Validate before /v2/Flows/{Sid}), and among equals the first added.
	i := slices.IndexFunc(t.routes, func(o route) bool {
		return len(o.names) > len(r.names) || (len(o.names) == len(r.names) && o.lits < r.lits)
	})
	if i < 0 {
		i = len(t.routes)
	}
	t.routes = slices.Insert(t.routes, i, r)
	return nil
}

// Find returns the documented operation for a request, with its path parameters, and false
// when no document has it.
func (t *Table) Find(method, path string) (*routers.Route, map[string]string, bool) {
	for _, r := range t.routes {
		m := r.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := r.item.GetOperation(method)
		if op == nil {
			continue
		}
		params := make(map[string]string, len(r.names))
		for i, n := range r.names {
			params[n] = m[i+1]
		}
		return &routers.Route{Spec: r.doc, Path: r.path, PathItem: r.item, Method: method, Operation: op}, params, true
	}
	return nil, nil, false
}
