// Package tableprinter prints rows for people and for scripts: on a terminal a lipgloss table
// with a header; on a pipe plain tab-separated rows, no header, no colour, nothing truncated, so
// `cut -f` and `while read` work.
package tableprinter

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/charmbracelet/x/ansi"

	"github.com/vnum-cli/vnum/internal/termsafe"
	"github.com/vnum-cli/vnum/internal/theme"
)

// Printer collects rows, then prints them at once.
type Printer struct {
	w      io.Writer
	tty    bool
	styles *theme.Styles
	header []string
	rows   [][]string
	width  int
}

// New returns a printer writing to w; tty chooses the terminal form.
func New(w io.Writer, tty bool, styles *theme.Styles, width int, header ...string) *Printer {
	return &Printer{w: w, tty: tty, styles: styles, header: header, width: width}
}

// AddRow adds one row; cells are plain text, shown with every control character escaped
// (termsafe.Escape): many cells hold what a carrier or an SMS sender wrote.
func (p *Printer) AddRow(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = termsafe.Escape(c)
	}
	p.rows = append(p.rows, row)
}

// oneField keeps a cell one tab-separated field: tabs and line breaks become spaces.
func oneField(c string) string {
	if !strings.ContainsAny(c, "\t\n\r") {
		return c
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, c)
}

// Len is the number of rows added.
func (p *Printer) Len() int { return len(p.rows) }

// Render prints the rows.
func (p *Printer) Render() error {
	if !p.tty {
		// One write for the whole table, not one per row: a list of 1,000 numbers on a pipe
		// would otherwise cost 1,000 system calls.
		w := bufio.NewWriter(p.w)
		for _, r := range p.rows {
			for i, c := range r {
				if i > 0 {
					w.WriteByte('\t')
				}
				w.WriteString(oneField(c))
			}
			w.WriteByte('\n')
		}
		return w.Flush()
	}
	rows := p.rows
	out := p.table(rows)
	if p.width > 0 && lipgloss.Width(out) > p.width {
		// Too wide for the terminal: shorten the widest columns, the first (the number)
		// excepted, with an ellipsis: one line per row, no number broken over two lines, and the
		// border where it belongs (lipgloss's own squeezing wraps cells and loses the border).
		widths := columnWidths(p.header, rows)
		for excess := lipgloss.Width(out) - p.width; excess > 0; excess = lipgloss.Width(out) - p.width {
			narrowed := false
			for ; excess > 0 && shrink(widths); excess-- {
				narrowed = true
			}
			if !narrowed {
				break
			}
			rows = truncated(p.rows, widths)
			out = p.table(rows)
		}
	}
	_, err := fmt.Fprintln(p.w, out)
	return err
}

// table renders rows in the terminal form.
func (p *Printer) table(rows [][]string) string {
	s := p.styles
	return table.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(s.Border).
		BorderColumn(false).
		Headers(p.header...).
		Rows(rows...).
		StyleFunc(func(row, _ int) lipgloss.Style {
			if row == table.HeaderRow {
				return s.Header
			}
			return s.Cell
		}).
		Render()
}

// shrink narrows the widest column but the first by one; false when every one is as narrow as
// it sensibly gets (the terminal then wraps what is left).
func shrink(widths []int) bool {
	const narrowest = 6
	widest := -1
	for i := 1; i < len(widths); i++ {
		if widths[i] > narrowest && (widest < 0 || widths[i] > widths[widest]) {
			widest = i
		}
	}
	if widest < 0 {
		return false
	}
	widths[widest]--
	return true
}

// truncated cuts each cell to its column's width, with an ellipsis.
func truncated(rows [][]string, widths []int) [][]string {
	out := make([][]string, len(rows))
	for r, row := range rows {
		out[r] = make([]string, len(row))
		for i, c := range row {
			if i < len(widths) && lipgloss.Width(c) > widths[i] {
				c = ansi.Truncate(c, widths[i], "…")
			}
			out[r][i] = c
		}
	}
	return out
}

// columnWidths is each column's natural width: its widest cell or header.
func columnWidths(header []string, rows [][]string) []int {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = lipgloss.Width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) && lipgloss.Width(c) > widths[i] {
				widths[i] = lipgloss.Width(c)
			}
		}
	}
	return widths
}
