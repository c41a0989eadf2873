package kamailio

import (
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestPremadeSeries: the cached series carry their own label values and value; label sets that
// would join alike are told apart; a value that is not UTF-8 is left out instead of panicking.
func TestPremadeSeries(t *testing.T) {
	d := prometheus.NewDesc("test_premade", "h", []string{"a", "b"}, nil)
	ch := make(chan prometheus.Metric, 10)
	for _, v := range []float64{1, 2} {
		send(ch, d, prometheus.GaugeValue, v, []string{"x", "yz"})
		send(ch, d, prometheus.GaugeValue, v*10, []string{"xy", "z"})
	}
	send(ch, d, prometheus.GaugeValue, 5, []string{"\xff", ""})
	close(ch)
	var got []string
	for m := range ch {
		var out dto.Metric
		if err := m.Write(&out); err != nil {
			t.Fatal(err)
		}
		got = append(got, out.Label[0].GetValue()+","+out.Label[1].GetValue()+"="+strconv.FormatFloat(out.GetGauge().GetValue(), 'g', -1, 64))
	}
	want := []string{"x,yz=1", "xy,z=10", "x,yz=2", "xy,z=20"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("series %d = %s, want %s", i, got[i], want[i])
		}
	}
}
