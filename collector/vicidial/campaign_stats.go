package vicidial

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// campaignStatsQuery reads today's figures that ViciDial's AST_VDadapt.pl
// keeps per campaign and per in-group (vicidial_campaign_stats), for the
// active ones, with the campaign's drop limit.
const campaignStatsQuery = `SELECT s.campaign_id, s.calls_today, s.answers_today, s.drops_today, s.dialable_leads,
 c.campaign_id IS NOT NULL, c.adaptive_dropped_percentage
FROM vicidial_campaign_stats s
LEFT JOIN vicidial_campaigns c ON c.campaign_id = s.campaign_id
LEFT JOIN vicidial_inbound_groups g ON g.group_id = s.campaign_id
WHERE c.active = 'Y' OR g.active = 'Y'
ORDER BY s.campaign_id
LIMIT 10001`

var (
	campaignCallsToday = newDesc("campaign", "calls_today",
		"Calls placed or received today per campaign or in-group (vicidial_campaign_stats.calls_today). New; not in seed 004.",
		"campaign")
	campaignAnswersToday = newDesc("campaign", "answers_today",
		"Calls answered today per campaign or in-group (vicidial_campaign_stats.answers_today). New; not in seed 004.",
		"campaign")
	campaignDropsToday = newDesc("campaign", "drops_today",
		"Calls dropped today (answered, no agent in time) per campaign or in-group (vicidial_campaign_stats.drops_today). New; not in seed 004.",
		"campaign")
	campaignDropRatio = newDesc("campaign", "drop_ratio",
		"Drops today over answers today, 0–1, as the Real-Time report computes its DROPPED PERCENT; 0 with no answers. New; not in seed 004.",
		"campaign")
	campaignDropLimit = newDesc("campaign", "drop_limit_ratio",
		"The campaign's configured maximum drop rate, 0–1 (vicidial_campaigns.adaptive_dropped_percentage, the report's DROPPED MAX); outbound campaigns only. New; not in seed 004.",
		"campaign")
	campaignDialableLeads = newDesc("campaign", "dialable_leads",
		"Leads the campaign can still dial (vicidial_campaign_stats.dialable_leads); outbound campaigns only. New; not in seed 004.",
		"campaign")
)

// campaignStatsScraper exports drops today and the drop rate, per campaign.
type campaignStatsScraper struct{}

func (campaignStatsScraper) Name() string { return "campaign_stats" }
func (campaignStatsScraper) Help() string {
	return "today's calls, answers, drops, drop rate and limit, dialable leads per campaign and in-group (vicidial_campaign_stats)"
}
func (campaignStatsScraper) Default() bool { return true }

func (s campaignStatsScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	rows, err := db.query(ctx, s.Name(), campaignStatsQuery)
	if err != nil {
		return err
	}
	return db.scanAll(s.Name(), rows, func() error {
		var (
			id                           string
			calls, answers, drops, leads sql.NullFloat64
			isCampaign                   bool
			dropLimit                    sql.NullString
		)
		if err := rows.Scan(&id, &calls, &answers, &drops, &leads, &isCampaign, &dropLimit); err != nil {
			return err
		}
		gauge(ch, campaignCallsToday, calls.Float64, id)
		gauge(ch, campaignAnswersToday, answers.Float64, id)
		gauge(ch, campaignDropsToday, drops.Float64, id)
		gauge(ch, campaignDropRatio, DropRatio(drops.Float64, answers.Float64), id)
		if isCampaign {
			gauge(ch, campaignDialableLeads, leads.Float64, id)
			if limit, err := strconv.ParseFloat(strings.TrimSpace(dropLimit.String), 64); err == nil && limit >= 0 && limit <= 100 {
				gauge(ch, campaignDropLimit, percentRatio(limit), id)
			}
		}
		return nil
	})
}

// DropRatio is drops over answers, 0 when nothing was answered (the
// report's MathZDC: division by zero gives 0).
func DropRatio(drops, answers float64) float64 {
	if answers <= 0 {
		return 0
	}
	return drops / answers
}

// percentRatio turns a percentage into the nearest float64 to the decimal
// ratio (3 → 0.03 exactly as written, where 3/100 is already exact but
// 0.7/100 is not).
func percentRatio(p float64) float64 { return math.Round(p*1e6) / 1e8 }
