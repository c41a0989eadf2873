package ami

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkReaderCoreShowChannels parses a CoreShowChannels answer of 500
// channels (the captured CoreShowChannel events repeated): the largest list
// a scrape of a busy box reads.
func BenchmarkReaderCoreShowChannels(b *testing.B) {
	msgs := captureMessages(b, "busy/10-queries.raw")
	var one []byte
	for _, m := range msgs {
		if m.Event() == "CoreShowChannel" {
			one = wire(m, "")
			break
		}
	}
	var stream bytes.Buffer
	for range 500 {
		stream.Write(one)
	}
	data := stream.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rd := bytes.NewReader(data)
	n := 0
	for b.Loop() {
		rd.Reset(data)
		r := NewReader(rd, ReaderOptions{})
		for {
			m, err := r.ReadMessage()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			_ = m.Get("Channel")
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}
