// Package tableprinter prints rows for people and for scripts: on a terminal a lipgloss table
// with a header; on a pipe plain tab-separated rows, no header, no colour, nothing truncated, so
// `cut -f` and `while read` work.
package tableprinter

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

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

// AddRow adds one row; cells are plain text.
func (p *Printer) AddRow(cells ...string) { p.rows = append(p.rows, cells) }

// Len is the number of rows added.
func (p *Printer) Len() int { return len(p.rows) }

// Render prints the rows.
func (p *Printer) Render() error {
	if !p.tty {
		for _, r := range p.rows {
			clean := make([]string, len(r))
			for i, c := range r {
				clean[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
			}
			if _, err := fmt.Fprintln(p.w, strings.Join(clean, "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	s := p.styles
	t := table.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(s.Border).
		BorderColumn(false).
		Headers(p.header...).
		Rows(p.rows...).
		StyleFunc(func(row, _ int) lipgloss.Style {
			if row == table.HeaderRow {
				return s.Header
			}
			return s.Cell
		})
	// Only a table wider than the terminal is squeezed (lipgloss wraps its cells); a narrow one
	// keeps its natural width.
	if p.width > 0 && naturalWidth(p.header, p.rows) > p.width {
		t = t.Width(p.width)
	}
	_, err := fmt.Fprintln(p.w, t.Render())
	return err
}

// naturalWidth is the width the table needs without wrapping, so narrow tables are not
// stretched to the terminal's width.
func naturalWidth(header []string, rows [][]string) int {
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
	total := 2 // outer border
	for _, w := range widths {
		total += w + 2 // cell padding
	}
	total += len(widths) - 1 // column separators, even when not drawn
	return total
}
