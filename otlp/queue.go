package otlp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Drop reasons.
const (
	DropQueueFull = "queue_full" // over max_bytes: the oldest records go
	DropTooOld    = "too_old"    // older than max_age
	DropRejected  = "rejected"   // the receiver refused them as invalid (not retryable)
	DropInboxFull = "inbox_full" // the disk could not keep up
)

var dropReasons = []string{DropQueueFull, DropTooOld, DropRejected, DropInboxFull}

// QueueOptions bound a queue.
type QueueOptions struct {
	MaxBytes int64         // payload bytes kept on disk (default 256 MiB)
	MaxAge   time.Duration // oldest record kept (default 7 days)
	Logger   *slog.Logger
}

// Item is one queued record.
type Item struct {
	Key      uint64
	Enqueued time.Time
	Data     []byte
}

// Queue is a durable FIFO of serialised records in one bbolt file. Put
// hands a record to a writer goroutine that commits batches (one fsync per
// batch); records then survive a crash or restart until Ack or a counted drop.
type Queue struct {
	db   *bolt.DB
	opts QueueOptions
	log  *slog.Logger

	wmu     sync.Mutex // serialises the write transactions with the counters they set
	mu      sync.Mutex
	inbox   [][]byte
	next    uint64
	count   int
	bytes   int64
	oldest  time.Time
	closed  bool
	wake    chan struct{}
	ready   chan struct{} // signalled after each commit
	stop    chan struct{}
	stopped chan struct{}

	dropped map[string]*atomic.Uint64
}

var bucket = []byte("records")

// maxInbox bounds records waiting for the writer.
const maxInbox = 20000

// OpenQueue opens (or creates) the queue file at path. Only one process may
// have it open: a second one gets an error after a second.
func OpenQueue(path string, o QueueOptions) (*Queue, error) {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 256 << 20
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("otlp queue: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("otlp queue %s: in use by another process", path)
		}
		return nil, fmt.Errorf("otlp queue %s: %w", path, err)
	}
	q := &Queue{db: db, opts: o, log: o.Logger, wake: make(chan struct{}, 1), ready: make(chan struct{}, 1),
		stop: make(chan struct{}), stopped: make(chan struct{}), dropped: map[string]*atomic.Uint64{}}
	for _, r := range dropReasons {
		q.dropped[r] = new(atomic.Uint64)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 8 || len(v) < 8 {
				if err := c.Delete(); err != nil {
					return err
				}
				continue
			}
			if q.count == 0 {
				q.oldest = time.Unix(0, int64(binary.BigEndian.Uint64(v)))
			}
			q.count++
			q.bytes += int64(len(v) - 8)
			q.next = binary.BigEndian.Uint64(k) + 1
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("otlp queue %s: %w", path, err)
	}
	go q.writer()
	if q.count > 0 {
		q.signal()
	}
	return q, nil
}

// Put queues a record (it takes ownership of data). It never blocks.
func (q *Queue) Put(data []byte) bool {
	q.mu.Lock()
	if q.closed || len(q.inbox) >= maxInbox {
		closed := q.closed
		q.mu.Unlock()
		if !closed {
			q.drop(DropInboxFull, 1)
		}
		return false
	}
	q.inbox = append(q.inbox, data)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

func (q *Queue) drop(reason string, n int) {
	q.dropped[reason].Add(uint64(n))
	q.log.Warn("otlp queue: records dropped", "reason", reason, "records", n)
}

func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled when records were committed.
func (q *Queue) Ready() <-chan struct{} { return q.ready }

func (q *Queue) writer() {
	defer close(q.stopped)
	for {
		select {
		case <-q.wake:
		case <-q.stop:
			q.commit()
			return
		}
		q.commit()
	}
}

// commit writes the inbox in one transaction and enforces MaxBytes. The
// counters are set once the transaction is committed (so Stats never counts
// what a reader cannot see yet), under wmu, and recounted from disk if it fails.
func (q *Queue) commit() {
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.mu.Lock()
	batch := q.inbox
	q.inbox = nil
	q.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	now := time.Now()
	var overflow int
	var count int
	var next uint64
	var size int64
	var oldest time.Time
	err := q.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		q.mu.Lock()
		count, size, next = q.count, q.bytes, q.next
		q.mu.Unlock()
		overflow = 0
		var k [8]byte
		for _, d := range batch {
			v := make([]byte, 8+len(d))
			binary.BigEndian.PutUint64(v, uint64(now.UnixNano()))
			copy(v[8:], d)
			binary.BigEndian.PutUint64(k[:], next)
			if err := b.Put(k[:], v); err != nil {
				return err
			}
			next++
			count++
			size += int64(len(d))
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && size > q.opts.MaxBytes; k, v = c.First() {
			size -= int64(len(v) - 8)
			count--
			overflow++
			if err := c.Delete(); err != nil {
				return err
			}
		}
		oldest = headTime(b)
		return nil
	})
	if err == nil {
		q.mu.Lock()
		q.count, q.bytes, q.next, q.oldest = count, size, next, oldest
		q.mu.Unlock()
	}
	if err != nil {
		q.log.Error("otlp queue: cannot write records to disk; they are lost", "records", len(batch), "err", err)
		q.dropped[DropInboxFull].Add(uint64(len(batch)))
		q.recount()
		return
	}
	if overflow > 0 {
		q.drop(DropQueueFull, overflow)
	}
	q.signal()
}

// recount reads the counters back from disk (after a failed transaction; the caller holds wmu).
func (q *Queue) recount() {
	_ = q.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		count, size := 0, int64(0)
		_ = b.ForEach(func(k, v []byte) error {
			if len(v) >= 8 {
				count++
				size += int64(len(v) - 8)
			}
			return nil
		})
		oldest := headTime(b)
		q.mu.Lock()
		q.count, q.bytes, q.oldest = count, size, oldest
		q.mu.Unlock()
		return nil
	})
}

// headTime is the enqueue time of the first record (zero when empty).
func headTime(b *bolt.Bucket) time.Time {
	k, v := b.Cursor().First()
	if k == nil || len(v) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
}

// Peek returns up to n records (at most maxBytes of payload, at least one)
// from the head without removing them.
func (q *Queue) Peek(n int, maxBytes int) ([]Item, error) {
	var out []Item
	err := q.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		size := 0
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			if len(k) != 8 || len(v) < 8 {
				continue
			}
			if len(out) > 0 && size+len(v)-8 > maxBytes {
				break
			}
			size += len(v) - 8
			out = append(out, Item{Key: binary.BigEndian.Uint64(k), Enqueued: time.Unix(0, int64(binary.BigEndian.Uint64(v))),
				Data: append([]byte(nil), v[8:]...)})
		}
		return nil
	})
	return out, err
}

// Ack removes delivered records.
func (q *Queue) Ack(items []Item) error { return q.remove(items) }

// Drop removes records that will never be delivered, counting them.
func (q *Queue) Drop(items []Item, reason string) error {
	if len(items) == 0 {
		return nil
	}
	err := q.remove(items)
	q.drop(reason, len(items))
	return err
}

func (q *Queue) remove(items []Item) error {
	if len(items) == 0 {
		return nil
	}
	q.wmu.Lock()
	defer q.wmu.Unlock()
	var dCount int
	var dBytes int64
	var oldest time.Time
	err := q.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		var k [8]byte
		dCount, dBytes = 0, 0
		for _, it := range items {
			binary.BigEndian.PutUint64(k[:], it.Key)
			v := b.Get(k[:])
			if v == nil {
				continue
			}
			n := int64(len(v) - 8)
			if err := b.Delete(k[:]); err != nil {
				return err
			}
			dCount++
			dBytes += n
		}
		oldest = headTime(b)
		return nil
	})
	if err != nil {
		q.recount()
		return err
	}
	q.mu.Lock()
	q.count -= dCount
	q.bytes -= dBytes
	q.oldest = oldest
	q.mu.Unlock()
	return nil
}

// QueueStats describe a queue.
type QueueStats struct {
	Records int
	Bytes   int64
	Oldest  time.Time // zero when empty
	Dropped map[string]uint64
}

// Stats returns the queue's figures.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	s := QueueStats{Records: q.count + len(q.inbox), Bytes: q.bytes, Oldest: q.oldest}
	if q.count == 0 {
		s.Oldest = time.Time{}
	}
	q.mu.Unlock()
	s.Dropped = map[string]uint64{}
	for r, c := range q.dropped {
		s.Dropped[r] = c.Load()
	}
	return s
}

// MaxAge is the age past which records are dropped.
func (q *Queue) MaxAge() time.Duration { return q.opts.MaxAge }

// Close commits what is waiting and closes the file.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.mu.Unlock()
	close(q.stop)
	<-q.stopped
	return q.db.Close()
}

// commitNow writes the inbox to disk at once.
func (q *Queue) commitNow() {
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if !closed {
		q.commit()
	}
}
