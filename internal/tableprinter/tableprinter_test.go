package tableprinter

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vnum-cli/vnum/internal/theme"
)

// A table wider than the terminal is shortened, not wrapped: every line fits, each row stays one
// line with its border, and the number in the first column is never cut.
func TestRenderFitsTheTerminal(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, true, theme.New(&out, false, true), 60, "NUMBER", "LABEL", "ABOUT")
	p.AddRow("+33 1 99 00 00 01", "shop", strings.Repeat("a long description ", 5))
	p.AddRow("+44 7400 123001", "dating", "short")
	require.NoError(t, p.Render())

	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	require.Len(t, lines, 6, "border, header, rule, two rows, border")
	for _, l := range lines {
		assert.LessOrEqual(t, lipgloss.Width(l), 60, l)
		assert.True(t, strings.HasSuffix(l, "│") || strings.HasSuffix(l, "╮") || strings.HasSuffix(l, "┤") || strings.HasSuffix(l, "╯"), l)
	}
	assert.Contains(t, lines[3], "+33 1 99 00 00 01")
	assert.Contains(t, lines[3], "…")
}

// On a pipe nothing is shortened: scripts get every cell whole.
func TestRenderPipeIsWhole(t *testing.T) {
	var out bytes.Buffer
	long := strings.Repeat("x", 300)
	p := New(&out, false, nil, 60, "A", "B")
	p.AddRow("+33199000001", long)
	require.NoError(t, p.Render())
	assert.Equal(t, "+33199000001\t"+long+"\n", out.String())
}
