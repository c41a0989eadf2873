package ng

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The encodings below are the examples of BEP 3 ("The BitTorrent Protocol
// Specification", bencoding) and rtpengine's ng ping (its README "ng
// Control Protocol": `d7:command4:pinge` → `d6:result4:ponge`).
func TestDecodeSpecExamples(t *testing.T) {
	for in, want := range map[string]any{
		"4:spam":                   "spam",
		"0:":                       "",
		"i3e":                      int64(3),
		"i-3e":                     int64(-3),
		"i0e":                      int64(0),
		"l4:spam4:eggse":           List{"spam", "eggs"},
		"le":                       List{},
		"d3:cow3:moo4:spam4:eggse": Dict{"cow": "moo", "spam": "eggs"},
		"d4:spaml1:a1:bee":         Dict{"spam": List{"a", "b"}},
		"de":                       Dict{},
		"d6:result4:ponge":         Dict{"result": "pong"},
	} {
		got, rest, err := Decode([]byte(in))
		if err != nil || len(rest) != 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%q) = %#v, %q, %v; want %#v", in, got, rest, err, want)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, in := range []string{"", "i03e", "i-0e", "i-e", "ie", "i+1e", "i1", "5:abc", "01:a", "l", "d", "d1:a", "di1ei2ee",
		"x", "99999999999:a", "i99999999999999999999e", strings.Repeat("l", MaxDepth+1) + strings.Repeat("e", MaxDepth+1)} {
		if _, _, err := Decode([]byte(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("Decode(%q) err = %v, want ErrSyntax", in, err)
		}
	}
	if _, err := DecodeDict([]byte("d1:ai1eeX")); err == nil {
		t.Error("trailing bytes accepted")
	}
	if _, err := DecodeDict([]byte("l1:ae")); err == nil {
		t.Error("a list accepted as a dictionary")
	}
}

func TestAppendSortsKeys(t *testing.T) {
	// BEP 3: dictionary keys appear in sorted order.
	b, err := Append(nil, Dict{"sdp": "v=0", "command": "offer", "call-id": "x", "flags": []string{"trust-address"}, "n": 7})
	if err != nil {
		t.Fatal(err)
	}
	want := "d7:call-id1:x7:command5:offer5:flagsl13:trust-addresse1:ni7e3:sdp3:v=0e"
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	if _, err := Append(nil, 1.5); err == nil {
		t.Error("a float was encoded")
	}
}

func TestNumber(t *testing.T) {
	d := Dict{"i": int64(42), "f": "12.700000", "s": "pong", "nan": "NaN", "l": List{}}
	if v, ok := d.Number("i"); !ok || v != 42 {
		t.Errorf("i = %v %v", v, ok)
	}
	if v, ok := d.Number("f"); !ok || v != 12.7 {
		t.Errorf("f = %v %v", v, ok)
	}
	for _, k := range []string{"s", "nan", "l", "missing"} {
		if _, ok := d.Number(k); ok {
			t.Errorf("%s is a number", k)
		}
	}
}

// FuzzDecode: whatever decodes re-encodes to bytes that decode to the same
// value (keys sorted, so the second encoding is canonical).
func FuzzDecode(f *testing.F) {
	f.Add([]byte("d6:result4:ponge"))
	f.Add([]byte("d3:cow3:moo4:spaml1:ai-12eee"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := Decode(in)
		if err != nil {
			return
		}
		b, err := Append(nil, v)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		v2, rest, err := Decode(b)
		if err != nil || len(rest) != 0 || !reflect.DeepEqual(v, v2) {
			t.Fatalf("%q → %#v → %q → %#v, %v", in, v, b, v2, err)
		}
		b2, _ := Append(nil, v2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("not canonical: %q vs %q", b, b2)
		}
	})
}
