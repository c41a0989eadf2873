// Package store keeps live call-leg state: Memory (default, one process) or Redis (go-redis v9, write-behind
// pipelines, 24 h TTL, shared by several agents); both implement quality.Store.
package store
