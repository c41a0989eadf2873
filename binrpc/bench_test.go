package binrpc_test

import (
	"bytes"
	"fmt"
	"testing"

	florent "github.com/florentchauveau/go-kamailio-binrpc/v3"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

// dispatcherReply builds a dispatcher.list reply with n targets in the
// layout of Kamailio 5.6.3 (testdata/kamailio/local, with LATENCY).
func dispatcherReply(n int) []byte {
	var e binrpc.Encoder
	e.StructStart().Member("NRSETS").Int(int32((n + 99) / 100)).Member("RECORDS").StructStart()
	for set := 0; set*100 < n; set++ {
		e.Member("SET").StructStart().Member("ID").Int(int32(set)).Member("TARGETS").StructStart()
		for i := set * 100; i < min(n, set*100+100); i++ {
			e.Member("DEST").StructStart()
			e.Member("URI").Str(fmt.Sprintf("sip:10.0.%d.%d:5060", i/250, i%250)).Member("FLAGS").Str("AP").Member("PRIORITY").Int(int32(i % 10))
			e.Member("ATTRS").StructStart().Member("BODY").Str(fmt.Sprintf("name=gw-%d", i)).Member("DUID").Str("<null string>").
				Member("MAXLOAD").Int(0).Member("WEIGHT").Int(0).Member("RWEIGHT").Int(0).Member("SOCKET").Str("<null string>").
				Member("SOCKNAME").Str("<null string>").Member("OBPROXY").Str("<null string>").StructEnd()
			e.Member("LATENCY").StructStart().Member("AVG").Double(12.5).Member("STD").Double(1.25).Member("EST").Double(13).
				Member("MAX").Int(40).Member("TIMEOUT").Int(int32(i)).StructEnd()
			e.StructEnd()
		}
		e.StructEnd().StructEnd()
	}
	e.StructEnd().StructEnd()
	b, err := e.Body()
	if err != nil {
		panic(err)
	}
	return b
}

// pkgReply builds a pkg.stats reply for n processes.
func pkgReply(n int) []byte {
	var e binrpc.Encoder
	for i := range n {
		e.StructStart().Member("entry").Int(int32(i)).Member("pid").Int(int32(9000 + i)).Member("rank").Int(int32(i%5 - 2)).
			Member("used").Int(634320).Member("free").Int(7377592).Member("real_used").Int(1011016).
			Member("total_size").Int(8388608).Member("total_frags").Int(6).Member("desc").Str(fmt.Sprintf("udp receiver child=%d sock=10.0.0.1:5060", i)).StructEnd()
	}
	b, _ := e.Body()
	return b
}

func packet(body []byte) []byte {
	return append(binrpc.AppendHeader(nil, binrpc.PacketReply, len(body), 0x1234), body...)
}

func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name string
		body []byte
	}{{"dispatcher.list-1000", dispatcherReply(1000)}, {"pkg.stats-64", pkgReply(64)}} {
		pkt := packet(tc.body)
		b.Run(tc.name+"/ours", func(b *testing.B) {
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				h, err := binrpc.ParseHeader(pkt)
				if err != nil {
					b.Fatal(err)
				}
				r, err := binrpc.Decode(pkt[h.Size:])
				if err != nil || r.Nodes() == 0 {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/go-kamailio-binrpc", func(b *testing.B) {
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			// it cannot read doubles inside structs as Kamailio sends
			// them? it can: doubles are ints on the wire.
			for b.Loop() {
				recs, err := florent.ReadPacket(bytes.NewReader(pkt), 0)
				if err != nil || len(recs) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPeerLimits records what go-kamailio-binrpc v3.2.0 gets wrong on
// replies the real Kamailio sends: signed ints, faults, arrays.
func TestPeerLimits(t *testing.T) {
	var e binrpc.Encoder
	e.StructStart().Member("rank").Int(-1).StructEnd()
	body, _ := e.Body()
	recs, err := florent.ReadPacket(bytes.NewReader(packet(body)), 0)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := recs[0].StructItems()
	if v, _ := items[0].Value.Int(); v != 4294967295 {
		t.Logf("go-kamailio-binrpc now reads rank -1 as %d", v)
	}
	e.Reset()
	e.StructStart().Member("profiles").ArrayStart().Str("A").ArrayEnd().StructEnd()
	body, _ = e.Body()
	if _, err := florent.ReadPacket(bytes.NewReader(packet(body)), 0); err == nil {
		t.Log("go-kamailio-binrpc now reads arrays")
	}
	if _, err := binrpc.Decode(body); err != nil {
		t.Errorf("ours: %v", err)
	}
}
