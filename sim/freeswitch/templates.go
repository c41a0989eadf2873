package freeswitch

import (
	"embed"
	"strings"
)

// templates holds real FreeSWITCH 1.10.12 events (copied from testdata/freeswitch) whose
// header sets and order the simulator reproduces; values are regenerated per event.
//
//go:embed templates/*.txt
var templateFS embed.FS

var templates = func() map[string]*event {
	m := map[string]*event{}
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		if err != nil {
			panic(err)
		}
		_, body := parseFrame(string(b))
		m[strings.TrimSuffix(e.Name(), ".txt")] = parsePlainEvent(body)
	}
	return m
}()

// preamble headers every event starts with (switch_event_prep_for_delivery).
var preambleNames = map[string]bool{
	"Event-Name": true, "Core-UUID": true, "FreeSWITCH-Hostname": true, "FreeSWITCH-Switchname": true,
	"FreeSWITCH-IPv4": true, "FreeSWITCH-IPv6": true, "Event-Date-Local": true, "Event-Date-GMT": true,
	"Event-Date-Timestamp": true, "Event-Calling-File": true, "Event-Calling-Function": true,
	"Event-Calling-Line-Number": true, "Event-Sequence": true,
}

// templateHeaders returns the non-preamble headers of a template (a copy).
func templateHeaders(name string) []header {
	t, ok := templates[name]
	if !ok {
		panic("freeswitch: no template " + name)
	}
	var hs []header
	for _, h := range t.headers {
		if !preambleNames[h.name] {
			hs = append(hs, h)
		}
	}
	return hs
}

// templateCaller returns the Event-Calling-* triple of a template.
func templateCaller(name string) (file, fn, line string) {
	t := templates[name]
	file, _ = t.get("Event-Calling-File")
	fn, _ = t.get("Event-Calling-Function")
	line, _ = t.get("Event-Calling-Line-Number")
	return
}
