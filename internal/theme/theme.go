// Package theme holds every terminal style vnum uses, built from one lipgloss renderer bound to
// the output stream, so colour follows that stream (pipes and NO_COLOR get none).
package theme

import (
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles are the named styles commands use.
type Styles struct {
	Renderer *lipgloss.Renderer
	Header   lipgloss.Style // table headers
	Cell     lipgloss.Style // table cells
	Muted    lipgloss.Style // secondary text: carrier ids, "never"
	Number   lipgloss.Style // phone numbers
	Label    lipgloss.Style
	Success  lipgloss.Style // ✓ lines
	Warning  lipgloss.Style
	Error    lipgloss.Style
	Border   lipgloss.Style
}

// New builds the styles for w; color false forces plain output (tests, NO_COLOR). dark says
// whether the terminal's background is dark (see DarkBackground): told rather than asked, since
// asking the terminal stalls five seconds wherever nothing answers (script(1), some CI logs).
func New(w io.Writer, color, dark bool) *Styles {
	r := lipgloss.NewRenderer(w)
	r.SetHasDarkBackground(dark)
	if !color {
		r.SetColorProfile(termenv.Ascii)
	}
	accent := lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#7571F9"}
	return &Styles{
		Renderer: r,
		Header:   r.NewStyle().Bold(true).Foreground(accent).Padding(0, 1),
		Cell:     r.NewStyle().Padding(0, 1),
		Muted:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}),
		Number:   r.NewStyle().Bold(true),
		Label:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#0E7C86", Dark: "#3FC1C9"}),
		Success:  r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}),
		Warning:  r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}),
		Error:    r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}),
		Border:   r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#D0D0D0", Dark: "#3A3A3A"}),
	}
}

// DarkBackground reads COLORFGBG ("15;0": white on black), which many terminals set; without
// it, a dark background is assumed, as most terminals have.
func DarkBackground(colorfgbg string) bool {
	parts := strings.Split(colorfgbg, ";")
	bg, err := strconv.Atoi(strings.TrimSpace(parts[len(parts)-1]))
	if colorfgbg == "" || err != nil {
		return true
	}
	return bg < 7 || bg == 8 // 7 (light grey) and 9-15 (bright colours, white) are light
}
