package asterisk

import (
	"github.com/voip-exporter/voip_exporter/source"
)

// Options tunes the scrapers returned by ScrapersWith.
type Options struct {
	// PhoneFleet lists the extensions of the phone fleet ("1031", …);
	// see config.ExpandFleet.
	PhoneFleet []string
}

// Scrapers returns every Asterisk scraper with default options, in a stable order.
func Scrapers() []source.Scraper[API] { return ScrapersWith(Options{}) }

// ScrapersWith returns every Asterisk scraper, in a stable order.
func ScrapersWith(o Options) []source.Scraper[API] {
	return []source.Scraper[API]{
		coreStatusScraper{},
		uptimeScraper{},
		versionScraper{},
		channelsScraper{},
		transcodingScraper{},
		sipPeersScraper{},
		sipRegistryScraper{},
		sipSettingsScraper{},
		pjsipEndpointsScraper{},
		pjsipContactsScraper{},
		pjsipRegistrationsScraper{},
		confbridgeScraper{},
		dahdiScraper{},
		rtpScraper{},
		phoneFleetScraper{exts: o.PhoneFleet},
	}
}

// optional marks scrapers that have nothing to do unless configured (an
// instance leaves them out when unconfigured: their "no data" would count
// as a successful scrape of a dead Asterisk).
type optional interface{ configured() bool }

func (s phoneFleetScraper) configured() bool { return len(s.exts) > 0 }
