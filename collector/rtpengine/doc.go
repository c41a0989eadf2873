// Package rtpengine scrapes the rtpengine media relay over its ng control protocol (package ng): statistics.go
// for `statistics` (the figures of its own /metrics), query.go for `list` + `query` (per-call MOS into histograms).
package rtpengine
