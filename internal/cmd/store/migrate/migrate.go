// Package migrate implements `vnum store migrate`.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/store"
)

// Options are migrate's dependencies, then its flags.
type Options struct {
	IO *iostreams.IOStreams
	// Locations gives the defaults: the store file in the data directory, and the configured
	// store (store / VNUM_STORE), "" when that is the file.
	Locations func() (file, configured string, err error)
	// Open opens a store at a path or URL.
	Open func(loc string) (*store.Store, error)

	From, To string
	JSON     bool
}

// NewCmdMigrate builds `vnum store migrate`. runF, when not nil, replaces migrateRun (tests).
func NewCmdMigrate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO: f.IOStreams,
		Locations: func() (string, string, error) {
			cfg, err := f.Config()
			if err != nil {
				return "", "", err
			}
			configured := ""
			if cfg.SharedStore() {
				configured = cfg.Store()
			}
			return cfg.StoreFile(), configured, nil
		},
		Open: store.Open,
	}
	cmd := &cobra.Command{
		Use:   "migrate [--from LOCATION] [--to LOCATION]",
		Short: "Copy vnum's record from one store to another (SQLite file ⇄ PostgreSQL)",
		Long: heredoc.Doc(`
			Copy every number, history entry, message, webhook record and journal entry from one
			store to another: from this machine's vnum.db into a team's PostgreSQL database, or
			back. A LOCATION is a postgres:// URL or the path of a store file.

			--from defaults to vnum.db in the data directory, --to to the configured store
			(store in config.yaml, or VNUM_STORE), so that after setting VNUM_STORE one
			` + "`vnum store migrate`" + ` brings this machine's numbers along.

			Nothing is removed from the source. Rows the destination already has, identical, are
			left alone, so running it twice changes nothing; when the destination holds different
			data under the same keys (another machine's numbers with the same ids), nothing is
			copied and it says which rows conflict.
		`),
		Example: heredoc.Doc(`
			$ export VNUM_STORE=postgres://ci@db.internal/vnum
			$ vnum store migrate
			$ vnum store migrate --from "$VNUM_STORE" --to ~/vnum-backup.db
		`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A URL of another database would otherwise be taken for a file name, and a SQLite
			// store built under a folder called "mysql:".
			for _, loc := range []struct{ flag, value string }{{"--from", opts.From}, {"--to", opts.To}} {
				if strings.Contains(loc.value, "://") && !store.IsURL(loc.value) {
					shown, _ := store.Redact(loc.value)
					return cmdutil.FlagErrorf("%s: %s is neither a postgres:// URL nor a file: vnum keeps its store in a SQLite file or on PostgreSQL", loc.flag, shown)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return migrateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "store to copy from: a postgres:// URL or a file (default: vnum.db in the data directory)")
	cmd.Flags().StringVar(&opts.To, "to", "", "store to copy into: a postgres:// URL or a file (default: the configured store)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was copied as JSON")
	return cmd
}

// tableJSON is one table in --json output.
type tableJSON struct {
	Table  string `json:"table"`
	Rows   int    `json:"rows"`
	Copied int    `json:"copied"`
}

type reportJSON struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Copied int         `json:"copied"`
	Tables []tableJSON `json:"tables"`
}

func migrateRun(ctx context.Context, opts *Options) error {
	file, configured, err := opts.Locations()
	if err != nil {
		return err
	}
	from, to := opts.From, opts.To
	if from == "" {
		from = file
	}
	if to == "" {
		to = configured
	}
	if to == "" {
		return cmdutil.FlagErrorf("--to required: no store is configured (set store in config.yaml or VNUM_STORE to a postgres:// URL, or name a file)")
	}
	if same(from, to) {
		return cmdutil.FlagErrorf("--from and --to name the same store (%s)", show(from))
	}
	if !store.IsURL(from) {
		// Opening a file that does not exist would create an empty store: nothing to copy.
		if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no store at %s: nothing to copy", from)
		}
	}
	// Its errors are about the stores it names, which need not be the configured one.
	src, err := opts.Open(from)
	if err != nil {
		return store.Located(err)
	}
	defer src.Close()
	dst, err := opts.Open(to)
	if err != nil {
		return store.Located(err)
	}
	defer dst.Close()
	rep, err := store.Copy(ctx, src, dst)
	if err != nil {
		return store.Located(fmt.Errorf("copy %s to %s: %w", show(from), show(to), err))
	}
	if opts.JSON {
		out := reportJSON{From: show(from), To: show(to), Copied: rep.Copied(), Tables: []tableJSON{}}
		for _, t := range rep.Tables {
			out.Tables = append(out.Tables, tableJSON(t))
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	var parts []string
	for _, t := range rep.Tables {
		if t.Rows > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", t.Table, t.Copied, t.Rows))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = " (copied/in source: " + strings.Join(parts, ", ") + ")"
	}
	fmt.Fprintf(opts.IO.ErrOut, "Copied %d rows from %s to %s%s\n", rep.Copied(), show(from), show(to), detail)
	return nil
}

// show is a location fit to print: a URL without its password.
func show(loc string) string {
	if store.IsURL(loc) {
		s, _ := store.Redact(loc)
		return s
	}
	return loc
}

func same(a, b string) bool {
	if store.IsURL(a) || store.IsURL(b) {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(ia, ib)
	}
	return a == b
}
