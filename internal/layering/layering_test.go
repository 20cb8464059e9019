package layering

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/packages"
)

const module = "github.com/vnum-cli/vnum"

// cliLayers are the packages that know about the terminal, the command line or the user's
// configuration: carrier adapters return data and errors and never reach into them.
var cliLayers = []string{
	module + "/internal/app",
	module + "/internal/cmd",
	module + "/internal/cmdutil",
	module + "/internal/config",
	module + "/internal/iostreams",
	module + "/internal/prompter",
	module + "/internal/tableprinter",
	module + "/internal/theme",
	"github.com/spf13/cobra",
	"github.com/spf13/viper",
	"github.com/charmbracelet/lipgloss",
	"github.com/muesli/termenv",
}

// sharedProviderPackages are the providers/ packages that are not adapters.
var sharedProviderPackages = map[string]bool{"all": true, "internal": true, "providertest": true}

// goFile is one Go file of the module, with the import paths it names.
type goFile struct {
	path    string // relative to the module root, slash-separated
	pkg     string // import path of its directory
	imports []string
}

func moduleFiles(t *testing.T) []goFile {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var files []goFile
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		gf := goFile{path: rel, pkg: strings.TrimSuffix(module+"/"+filepath.ToSlash(filepath.Dir(rel)), "/.")}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			gf.imports = append(gf.imports, p)
		}
		files = append(files, gf)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

func within(path, pkg string) bool { return path == pkg || strings.HasPrefix(path, pkg+"/") }

// adapterOf returns the adapter a package belongs to ("twilio" for providers/twilio/twiliotest),
// or "" for packages that are not an adapter's.
func adapterOf(pkg string) string {
	rest, ok := strings.CutPrefix(pkg, module+"/providers/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if sharedProviderPackages[name] {
		return ""
	}
	return name
}

// providers/... returns data and errors: it never imports the CLI layers, tests included.
func TestProvidersDoNotImportTheCLI(t *testing.T) {
	checked := 0
	for _, f := range moduleFiles(t) {
		if !within(f.pkg, module+"/providers") {
			continue
		}
		checked++
		for _, imp := range f.imports {
			for _, layer := range cliLayers {
				assert.False(t, within(imp, layer), "%s imports %s: providers/... must not import the CLI layers", f.path, imp)
			}
		}
	}
	assert.Greater(t, checked, 20, "the walk found the providers' files")
}

// Each adapter stands alone: none imports another (shared code goes to providers/internal or
// providers itself), so a carrier is one folder and one registry line.
func TestAdaptersDoNotImportEachOther(t *testing.T) {
	adapters := map[string]bool{}
	for _, f := range moduleFiles(t) {
		a := adapterOf(f.pkg)
		if a == "" {
			continue
		}
		adapters[a] = true
		for _, imp := range f.imports {
			if other := adapterOf(imp); other != "" && other != a {
				t.Errorf("%s (adapter %s) imports %s (adapter %s): adapters must not import each other", f.path, a, imp, other)
			}
		}
	}
	for _, a := range []string{"sandbox", "twilio", "telnyx", "vonage"} {
		assert.True(t, adapters[a], "adapter %s found", a)
	}
}

// moneyMethods are the carrier calls that spend or give back money: only the number lifecycle
// (internal/numbers), which journals them, may make them.
var moneyMethods = map[string]bool{"Buy": true, "Release": true}

// Commands never call a carrier's Buy or Release themselves: they go through internal/numbers,
// whose journal finishes or undoes an interrupted operation.
func TestCommandsSpendOnlyThroughTheLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the command packages")
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports,
		Dir:  filepath.Join("..", ".."),
	}
	pkgs, err := packages.Load(cfg, "./internal/cmd/...", "./internal/cmdutil/...", "./internal/app/...")
	require.NoError(t, err)
	require.NotEmpty(t, pkgs)
	var provider *types.Interface
	packages.Visit(pkgs, func(p *packages.Package) bool {
		if p.PkgPath == module+"/providers" && p.Types != nil {
			if obj := p.Types.Scope().Lookup("Provider"); obj != nil {
				provider, _ = obj.Type().Underlying().(*types.Interface)
			}
		}
		return provider == nil
	}, nil)
	require.NotNil(t, provider, "providers.Provider found")

	calls := 0
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
		for _, file := range p.Syntax {
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || !moneyMethods[sel.Sel.Name] {
					return true
				}
				fn, ok := p.TypesInfo.Uses[sel.Sel].(*types.Func)
				if !ok {
					return true
				}
				recv := fn.Signature().Recv()
				if recv == nil {
					return true
				}
				calls++
				rt := recv.Type()
				if types.Implements(rt, provider) || types.Implements(types.NewPointer(rt), provider) {
					t.Errorf("%s: calls %s.%s directly: use internal/numbers, which journals it",
						p.Fset.Position(sel.Pos()), rt, sel.Sel.Name)
				}
				return true
			})
		}
	}
	assert.Positive(t, calls, "the commands call the lifecycle's Buy or Release somewhere: the check looked")
}

// The progress spinner has one owner: the streams stop it before any write or prompt, and app.Run
// when the command ends. A command stopping it by hand is a sign it thinks it must (and the next
// one will forget), so none does.
func TestCommandsDoNotStopTheSpinner(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	for _, dir := range []string{"internal/cmd", "internal/cmdutil", "internal/numbers"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			// The command tests' helpers end a command as app.Run does, spinner included.
			if strings.Contains(filepath.ToSlash(path), "internal/cmd/internal/cmdtest/") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "StopProgress" {
					t.Errorf("%s: stops the progress spinner by hand: the next write or prompt does it (see iostreams)", fset.Position(sel.Pos()))
				}
				return true
			})
			return nil
		})
		require.NoError(t, err)
	}
	assert.Greater(t, checked, 20, "the walk found the commands' files")
}

// regexpCompilers are the regexp functions that compile an expression there and then.
var regexpCompilers = map[string]bool{"MustCompile": true, "Compile": true, "MustCompilePOSIX": true, "CompilePOSIX": true}

// Start-up stays cheap: no package linked into vnum compiles a regular expression in a
// package-level variable, which every command (`vnum --version` included) would pay for at
// init; internal/lazyre compiles one on first use.
func TestNoRegexpCompiledAtStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the packages linked into vnum")
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps,
		Dir:  filepath.Join("..", ".."),
	}
	pkgs, err := packages.Load(cfg, "./cmd/vnum")
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if !within(p.PkgPath, module) || p.PkgPath == module+"/internal/lazyre" {
			return
		}
		for _, path := range p.GoFiles {
			f, err := parser.ParseFile(fset, path, nil, 0)
			require.NoError(t, err)
			checked++
			name := "" // the name the file gives package regexp
			for _, imp := range f.Imports {
				if imp.Path.Value == `"regexp"` {
					name = "regexp"
					if imp.Name != nil {
						name = imp.Name.Name
					}
				}
			}
			if name == "" {
				continue
			}
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				ast.Inspect(gd, func(n ast.Node) bool {
					if _, ok := n.(*ast.FuncLit); ok {
						return false // runs when called, not at init
					}
					sel, ok := n.(*ast.SelectorExpr)
					if ok && regexpCompilers[sel.Sel.Name] {
						if x, ok := sel.X.(*ast.Ident); ok && x.Name == name {
							t.Errorf("%s: compiles a regexp at start-up: use lazyre.New", fset.Position(sel.Pos()))
						}
					}
					return true
				})
			}
		}
	})
	assert.Greater(t, checked, 50, "the walk found vnum's files")
}

// No `//nolint` directives: CI runs go vet and staticcheck, and neither reads them, so such a
// comment silences nothing and tells the reader a linter is watching that is not. The reason a
// line is written the way it is goes in a plain comment.
func TestNoNolintDirectives(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		checked++
		for _, group := range f.Comments {
			for _, c := range group.List {
				if strings.HasPrefix(c.Text, "//nolint") {
					t.Errorf("%s: a //nolint directive no configured linter reads: say why in a plain comment", fset.Position(c.Pos()))
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 50, "the walk found vnum's files")
}
