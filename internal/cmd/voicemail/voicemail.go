// Package voicemail implements `vnum voicemail list|get|delete`.
package voicemail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/vnum-cli/vnum/internal/cmd/calls"
	"github.com/vnum-cli/vnum/internal/cmdutil"
	"github.com/vnum-cli/vnum/internal/iostreams"
	"github.com/vnum-cli/vnum/internal/numbers"
	"github.com/vnum-cli/vnum/internal/phone"
	"github.com/vnum-cli/vnum/internal/store"
	"github.com/vnum-cli/vnum/internal/tableprinter"
	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
	"github.com/vnum-cli/vnum/providers"
)

// NewCmdVoicemail builds the `vnum voicemail` group.
func NewCmdVoicemail(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "voicemail <command>",
		Short: "Voicemails left on your numbers: list, get the audio, delete",
		Long: heredoc.Doc(`
			Voicemail is turned on with vnum forward REF --to NUMBER --voicemail-after 20s (a call
			not answered in 20 s) or vnum forward REF --voicemail (every call, nothing rings).
		`),
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil), NewCmdDelete(f, nil))
	return cmd
}

func manager(f *cmdutil.Factory) func() (*numbers.Manager, error) { return f.Numbers }

// ListOptions are `voicemail list`'s dependencies, then its arguments.
type ListOptions struct {
	IO *iostreams.IOStreams
	// Resolve finds the number REF names among those vnum holds; ResolveEnded among those it
	// held, whose voicemails Kept lists (what vnum stored; a burn leaves none).
	Resolve      func(ctx context.Context, ref string) (store.Number, error)
	ResolveEnded func(ctx context.Context, ref string) (store.HistoryEntry, error)
	Kept         func(ctx context.Context, h store.HistoryEntry) ([]store.Voicemail, error)
	// Voicemails reads new voicemails from the carriers, then lists those of ns (all when nil).
	Voicemails func(ctx context.Context, ns []store.Number) (numbers.VoicemailsResult, error)
	Now        func() time.Time
	Styles     func() *theme.Styles

	Ref  string
	JSON bool
}

// VoicemailJSON is one voicemail in `vnum voicemail list --json`.
type VoicemailJSON struct {
	ID              string    `json:"id"`
	From            string    `json:"from"` // "" when withheld
	To              string    `json:"to"`
	At              time.Time `json:"at"`
	DurationSeconds int64     `json:"duration_seconds"`
	Transcription   string    `json:"transcription"`
	Provider        string    `json:"provider"`
	CallID          string    `json:"call_id"`
}

// NewCmdList builds `vnum voicemail list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	m := manager(f)
	opts := &ListOptions{
		IO: f.IOStreams,
		Resolve: func(ctx context.Context, ref string) (store.Number, error) {
			mm, err := m()
			if err != nil {
				return store.Number{}, err
			}
			return f.Resolve(ctx, mm, ref)
		},
		ResolveEnded: func(ctx context.Context, ref string) (store.HistoryEntry, error) {
			mm, err := m()
			if err != nil {
				return store.HistoryEntry{}, err
			}
			return f.ResolveEnded(ctx, mm, ref)
		},
		Kept: func(ctx context.Context, h store.HistoryEntry) ([]store.Voicemail, error) {
			mm, err := m()
			if err != nil {
				return nil, err
			}
			return mm.Store.ListVoicemails(ctx, []int64{h.ID}, time.Time{})
		},
		Voicemails: func(ctx context.Context, ns []store.Number) (numbers.VoicemailsResult, error) {
			mm, err := m()
			if err != nil {
				return numbers.VoicemailsResult{}, err
			}
			return mm.Voicemails(ctx, ns)
		},
		Now:    f.Now,
		Styles: f.Styles,
	}
	cmd := &cobra.Command{
		Use:   "list [REF]",
		Short: "List voicemails, oldest first",
		Long: heredoc.Doc(`
			List the voicemails left on your numbers (REF: one number), oldest first, after reading
			the new ones from the carriers. REF may name a number given back (vnum history): its
			voicemails as vnum kept them (a burn keeps none). On a pipe each is one tab-separated line: id, at
			(RFC 3339), from ("anonymous" when withheld), to, duration in seconds, transcription.
			--json prints a list of {id, from, to, at, duration_seconds, transcription, provider,
			call_id}.
		`),
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.CompleteRefs(cmdutil.RefsHeldOrEnded),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	res, err := voicemails(ctx, opts)
	if err != nil {
		return err
	}
	for _, note := range res.Notes {
		cmdutil.Warnf(opts.IO, "%s", note)
	}
	if opts.JSON {
		out := make([]VoicemailJSON, 0, len(res.Voicemails))
		for _, v := range res.Voicemails {
			out = append(out, VoicemailJSON{ID: v.ID, From: v.From, To: v.To, At: v.At.UTC(),
				DurationSeconds: int64(v.Duration.Seconds()), Transcription: v.Transcription, Provider: v.Provider, CallID: v.CallID})
		}
		return cmdutil.WriteJSON(opts.IO, out)
	}
	tty := opts.IO.IsStdoutTTY()
	if len(res.Voicemails) == 0 {
		if tty {
			fmt.Fprintln(opts.IO.ErrOut, "No voicemails")
		}
		return nil
	}
	now := opts.Now()
	tp := tableprinter.New(opts.IO.Out, tty, opts.Styles(), opts.IO.TerminalWidth(), "ID", "WHEN", "FROM", "TO", "LENGTH", "TRANSCRIPTION")
	for _, v := range res.Voicemails {
		if tty {
			tp.AddRow(v.ID, cmdutil.TimeText(v.At, now, true, ""), calls.CallerText(v.From), phone.Format(v.To),
				cmdutil.SpanWords(v.Duration), v.Transcription)
			continue
		}
		from := v.From
		if from == "" {
			from = "anonymous"
		}
		tp.AddRow(v.ID, cmdutil.TimeText(v.At, now, false, ""), termsafe.Escape(from), v.To,
			strconv.FormatInt(int64(v.Duration.Seconds()), 10), termsafe.Escape(v.Transcription))
	}
	return tp.Render()
}

// voicemails is the voicemails of the number REF names (every number without one), after
// reading the new ones from the carriers; of a number given back, the voicemails vnum kept.
func voicemails(ctx context.Context, opts *ListOptions) (numbers.VoicemailsResult, error) {
	if opts.Ref == "" {
		return opts.Voicemails(ctx, nil)
	}
	n, err := opts.Resolve(ctx, opts.Ref)
	if errors.Is(err, numbers.ErrNoMatch) {
		h, herr := opts.ResolveEnded(ctx, opts.Ref)
		if herr != nil {
			return numbers.VoicemailsResult{}, err
		}
		if opts.IO.IsStderrTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "%s was %s on %s: these are the voicemails vnum kept\n",
				phone.Format(h.E164), h.How, h.EndedAt.Local().Format("2006-01-02 15:04"))
		}
		kept, err := opts.Kept(ctx, h)
		return numbers.VoicemailsResult{Voicemails: kept}, err
	}
	if err != nil {
		return numbers.VoicemailsResult{}, err
	}
	return opts.Voicemails(ctx, []store.Number{n})
}

// GetOptions are `voicemail get`'s dependencies, then its arguments.
type GetOptions struct {
	IO *iostreams.IOStreams
	// Audio fetches a voicemail's recording from its carrier.
	Audio func(ctx context.Context, id string) (store.Voicemail, providers.Audio, error)
	// Create opens the output file (os.Create in production).
	Create  func(path string) (io.WriteCloser, error)
	Success func(format string, args ...any)

	ID     string
	Output string // "" (refused on a terminal), "-" for stdout, or a file
}

// NewCmdGet builds `vnum voicemail get`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	m := manager(f)
	opts := &GetOptions{
		IO: f.IOStreams,
		Audio: func(ctx context.Context, id string) (store.Voicemail, providers.Audio, error) {
			mm, err := m()
			if err != nil {
				return store.Voicemail{}, providers.Audio{}, err
			}
			return mm.VoicemailAudio(ctx, id)
		},
		Create: func(path string) (io.WriteCloser, error) {
			return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		},
		Success: func(format string, args ...any) { cmdutil.WriteSuccess(f.IOStreams, f.Styles, format, args...) },
	}
	cmd := &cobra.Command{
		Use:   "get ID [-o FILE]",
		Short: "Get a voicemail's audio",
		Long: heredoc.Doc(`
			Fetch the recording of voicemail ID (see vnum voicemail list) from its carrier and write
			it to FILE (created readable by you only), or with -o - to stdout. Without -o the audio
			goes to stdout when that is a pipe or a file, and is refused on a terminal.
		`),
		Example: heredoc.Doc(`
			$ vnum voicemail get RE0123456789abcdef0123456789abcdef -o message.wav
			$ vnum voicemail get VM-3f2a9c -o - | aplay
		`),
		Args: cmdutil.ExactArgs(1, "say which voicemail: vnum voicemail get ID (see vnum voicemail list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Output == "" && opts.IO.IsStdoutTTY() {
				return cmdutil.FlagErrorf("the voicemail is audio, which a terminal cannot show: give -o FILE (or -o - to force stdout)")
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the audio to FILE (- for stdout)")
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	v, a, err := opts.Audio(ctx, opts.ID)
	if errors.Is(err, numbers.ErrNoVoicemail) || errors.Is(err, providers.ErrNotFound) {
		return cmdutil.WithExit(cmdutil.ExitNotFound, err)
	}
	if err != nil {
		return err
	}
	if opts.Output == "" || opts.Output == "-" {
		_, err := opts.IO.Out.Write(a.Data)
		return err
	}
	w, err := opts.Create(opts.Output)
	if err != nil {
		return err
	}
	if _, err := w.Write(a.Data); err != nil {
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	opts.Success("Saved the voicemail from %s (%s) to %s", calls.CallerText(v.From), a.ContentType, opts.Output)
	return nil
}

// DeleteOptions are `voicemail delete`'s dependencies, then its arguments.
type DeleteOptions struct {
	IO      *iostreams.IOStreams
	Delete  func(ctx context.Context, id string) (store.Voicemail, error)
	Success func(format string, args ...any)

	ID string
}

// NewCmdDelete builds `vnum voicemail delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	m := manager(f)
	opts := &DeleteOptions{
		IO: f.IOStreams,
		Delete: func(ctx context.Context, id string) (store.Voicemail, error) {
			mm, err := m()
			if err != nil {
				return store.Voicemail{}, err
			}
			return mm.DeleteVoicemail(ctx, id)
		},
		Success: func(format string, args ...any) { cmdutil.WriteSuccess(f.IOStreams, f.Styles, format, args...) },
	}
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a voicemail at the carrier and here",
		Args:  cmdutil.ExactArgs(1, "say which voicemail: vnum voicemail delete ID (see vnum voicemail list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	v, err := opts.Delete(ctx, opts.ID)
	if errors.Is(err, numbers.ErrNoVoicemail) {
		return cmdutil.WithExit(cmdutil.ExitNotFound, err)
	}
	if err != nil {
		return err
	}
	opts.Success("Deleted the voicemail from %s", calls.CallerText(v.From))
	return nil
}
