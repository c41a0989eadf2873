package source

import (
	"fmt"

	"github.com/alecthomas/kingpin/v2"
)

// Toggle is the enable flag of one scraper: --collector.<source>.<name>.
type Toggle struct {
	Name    string
	enabled *bool
}

// AddCollectorFlags registers one boolean flag per scraper, defaulting to the
// scraper's Default(), and returns the toggles to resolve after parsing.
func AddCollectorFlags[C any](app *kingpin.Application, src string, scrapers []Scraper[C]) []Toggle {
	toggles := make([]Toggle, 0, len(scrapers))
	for _, s := range scrapers {
		def := "false"
		if s.Default() {
			def = "true"
		}
		f := app.Flag(fmt.Sprintf("collector.%s.%s", src, s.Name()),
			fmt.Sprintf("Enable the %s collector %q: %s (default: %s).", src, s.Name(), s.Help(), def)).
			Default(def).Bool()
		toggles = append(toggles, Toggle{Name: s.Name(), enabled: f})
	}
	return toggles
}

// Enabled keeps the scrapers whose toggle is on. Scrapers with no toggle
// (flags not registered) keep their default.
func Enabled[C any](scrapers []Scraper[C], toggles []Toggle) []Scraper[C] {
	on := make(map[string]bool, len(toggles))
	for _, t := range toggles {
		on[t.Name] = *t.enabled
	}
	var out []Scraper[C]
	for _, s := range scrapers {
		v, ok := on[s.Name()]
		if !ok {
			v = s.Default()
		}
		if v {
			out = append(out, s)
		}
	}
	return out
}
