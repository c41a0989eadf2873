package otlp

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func waitCount(t *testing.T, q *Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		q.mu.Lock()
		c, in := q.count, len(q.inbox)
		q.mu.Unlock()
		if c == n && in == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue has %d (+%d waiting), want %d", c, in, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestQueuePersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q")
	q, err := OpenQueue(path, QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		q.Put([]byte(fmt.Sprintf("record-%d", i)))
	}
	waitCount(t, q, 10)
	items, _ := q.Peek(3, 1<<20)
	if len(items) != 3 || string(items[0].Data) != "record-0" {
		t.Fatalf("peek %v", items)
	}
	if err := q.Ack(items); err != nil {
		t.Fatal(err)
	}
	// A second process cannot open the same file.
	if _, err := OpenQueue(path, QueueOptions{}); err == nil {
		t.Fatal("second open succeeded")
	}
	q.Put([]byte("record-10"))
	if err := q.Close(); err != nil { // commits the inbox
		t.Fatal(err)
	}
	q, err = OpenQueue(path, QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	st := q.Stats()
	if st.Records != 8 || st.Oldest.IsZero() {
		t.Fatalf("after reopen: %+v", st)
	}
	items, _ = q.Peek(100, 1<<20)
	for i, it := range items {
		if want := fmt.Sprintf("record-%d", i+3); string(it.Data) != want {
			t.Fatalf("item %d = %q, want %q", i, it.Data, want)
		}
	}
	// New keys follow the old ones.
	q.Put([]byte("record-11"))
	waitCount(t, q, 9)
	items, _ = q.Peek(100, 1<<20)
	if string(items[len(items)-1].Data) != "record-11" || items[len(items)-1].Key <= items[len(items)-2].Key {
		t.Fatalf("order after reopen: %v", items[len(items)-2:])
	}
}

func TestQueueBounds(t *testing.T) {
	q, err := OpenQueue(filepath.Join(t.TempDir(), "q"), QueueOptions{MaxBytes: 1000, MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	rec := bytes.Repeat([]byte("x"), 100)
	for range 25 {
		q.Put(append([]byte(nil), rec...))
		time.Sleep(time.Millisecond)
	}
	// The drop counter moves just after the commit that drops: poll.
	deadline := time.Now().Add(5 * time.Second)
	for st := q.Stats(); st.Records != 10 || st.Bytes != 1000 || st.Dropped[DropQueueFull] != 15; st = q.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("bounded queue: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Peek honours the byte budget but always returns one record.
	if items, _ := q.Peek(100, 250); len(items) != 2 {
		t.Fatalf("peek by bytes: %d", len(items))
	}
	if items, _ := q.Peek(100, 10); len(items) != 1 {
		t.Fatalf("peek of an oversized record: %d", len(items))
	}
	items, _ := q.Peek(4, 1<<20)
	if err := q.Drop(items, DropTooOld); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Records != 6 || st.Dropped[DropTooOld] != 4 || st.Bytes != 600 {
		t.Fatalf("after drop: %+v", st)
	}
}
