package config

import (
	"time"
)

// Defaults applied where the file is silent.
const (
	DefaultTimeout           = 5 * time.Second
	DefaultFreeSWITCHAddress = "127.0.0.1:8021"
	DefaultFreeSWITCHPass    = "ClueCon"
	// EnvPrefix starts the environment variables that override top-level keys:
	// VOIP_EXPORTER_FREESWITCH='[{"name":"fs1","address":"10.0.0.1:8021"}]'.
	EnvPrefix = "VOIP_EXPORTER_"
)

// Config is the whole configuration file.
//
// Each source keeps its instance type, defaults and validation in a file of
// its own (freeswitch.go, kamailio.go, asterisk.go…); this struct only lists them.
type Config struct {
	Global     Global            `yaml:"global"`
	FreeSWITCH []FreeSWITCH      `yaml:"freeswitch"`
	Kamailio   []Kamailio        `yaml:"kamailio"`
	Asterisk   []Asterisk        `yaml:"asterisk"`
	ViciDial   []ViciDial        `yaml:"vicidial"`
	Fail2ban   []Fail2ban        `yaml:"fail2ban"`
	RTPEngine  []RTPEngine       `yaml:"rtpengine"`
	Recordings []Recordings      `yaml:"recordings"`
	Modules    map[string]Module `yaml:"modules"`

	// Call quality (event-driven FreeSWITCH path): see quality.go.
	Events  Events  `yaml:"events"`
	Storage Storage `yaml:"storage"`
	OTLP    OTLP    `yaml:"otlp"`
	HA      HA      `yaml:"ha"` // several agents, one Redis: see ha.go

	// File is where the configuration came from ("" for none).
	File string `yaml:"-"`
}

// Global holds defaults shared by every instance.
type Global struct {
	// Timeout bounds one collection of one instance when the instance sets none.
	Timeout time.Duration `yaml:"timeout"`
}

// Module is a /probe module: how to reach a target named only by its address
// (blackbox_exporter's pattern). Source says which kind of system it probes.
type Module struct {
	Source   string        `yaml:"source"`
	Password Secret        `yaml:"password"`
	Timeout  time.Duration `yaml:"timeout"`
}

// Secret is a credential: it prints as <secret> so it never reaches a log,
// /health or an error message.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// MarshalYAML hides the value when a config is dumped.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON hides the value when a config is dumped.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }
