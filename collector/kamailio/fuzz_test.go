package kamailio

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// FuzzParsePromText: xhttp_prom's text (the real capture as seed) either fails with an error or gives
// samples with valid names and labels that, written back in the text format, parse to the same samples.
func FuzzParsePromText(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/kamailio/xhttp_prom.metrics.txt"); err == nil {
		f.Add(string(b))
	}
	f.Add("a{b=\"c\\\"d\\\\e\\nf\"} 1.5e3\n")
	f.Add("x 1 2 3\n")
	f.Fuzz(func(t *testing.T, s string) {
		samples, err := ParsePromText([]byte(s))
		if err != nil {
			return
		}
		var b strings.Builder
		for _, p := range samples {
			if !model.IsValidLegacyMetricName(p.Name) {
				t.Fatalf("bad name %q accepted", p.Name)
			}
			b.WriteString(p.Name)
			if len(p.Labels) > 0 {
				b.WriteByte('{')
				for i, l := range p.Labels {
					if !model.LabelName(l[0]).IsValidLegacy() {
						t.Fatalf("bad label name %q accepted", l[0])
					}
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, "%s=\"%s\"", l[0], strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(l[1]))
				}
				b.WriteByte('}')
			}
			b.WriteString(" " + strconv.FormatFloat(p.Value, 'g', -1, 64) + "\n")
		}
		again, err := ParsePromText([]byte(b.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(again) != len(samples) {
			t.Fatalf("re-parse: %d samples, want %d", len(again), len(samples))
		}
		for i := range again {
			x, y := samples[i], again[i]
			if x.Name != y.Name || fmt.Sprint(x.Labels) != fmt.Sprint(y.Labels) ||
				!(x.Value == y.Value || math.IsNaN(x.Value) && math.IsNaN(y.Value)) {
				t.Fatalf("re-parse: %+v, want %+v", y, x)
			}
		}
	})
}
