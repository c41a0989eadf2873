package store

import (
	"sync/atomic"

	"github.com/voip-exporter/voip_exporter/quality"
)

// Store is quality.Store: the live legs of one FreeSWITCH instance.
type Store = quality.Store

// Operation kinds counted by the stores.
const (
	opPut = iota
	opDelete
	opLoad
	opClaim
	opFlush
	opResync
	numOps
)

var opNames = [numOps]string{"put", "delete", "load", "claim", "flush", "resync"}

// opCounter counts operations by kind and result.
type opCounter struct {
	ok, errs [numOps]atomic.Uint64
	used     []int
}

func newOpCounter(used ...int) *opCounter { return &opCounter{used: used} }

func (c *opCounter) add(op int, err error) {
	if err != nil {
		c.errs[op].Add(1)
	} else {
		c.ok[op].Add(1)
	}
}

func (c *opCounter) snapshot() []quality.OpCount {
	out := make([]quality.OpCount, 0, 2*len(c.used))
	for _, op := range c.used {
		out = append(out, quality.OpCount{Op: opNames[op], Result: "ok", N: c.ok[op].Load()},
			quality.OpCount{Op: opNames[op], Result: "error", N: c.errs[op].Load()})
	}
	return out
}

func (c *opCounter) addN(op, n int) { c.ok[op].Add(uint64(n)) }
