package store

import "testing"

// TestDecodeStreamWrittenBeforeLossSpan: a leg written by an agent before
// BaseSeq/BaseLost/JitN existed (10 fields) still decodes: its loss span
// starts at the last report and all its reports count for the jitter mean.
func TestDecodeStreamWrittenBeforeLossSpan(t *testing.T) {
	s, ok := decodeStream("4146639098 65 30670 65 65 5 0.001 0.03 0.0859375 1")
	if !ok || s.HighSeq != 30670 || s.Lost != 65 || s.BaseSeq != 30670 || s.BaseLost != 65 || s.JitN != 5 {
		t.Fatalf("decoded %+v ok=%v", s, ok)
	}
	s, ok = decodeStream(encodeStream(&s))
	if !ok || s.BaseSeq != 30670 || s.JitN != 5 {
		t.Fatalf("round trip %+v ok=%v", s, ok)
	}
	if _, ok := decodeStream("1 2 3 4 5 6 0 0 0 1 7"); ok {
		t.Fatal("11 fields accepted")
	}
}
