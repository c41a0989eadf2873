// Package pipeline owns the event pipeline's lifecycle: call quality (leg stores,
// Redis, OTLP) and the HA group (leases, QoS stream), built, started and closed.
//
// Use: New from the configuration; FreeSWITCH(name) gives the options of each FreeSWITCH instance before it
// is built, Bind hands every built instance back; Start runs the HA loops before the instances Run; Calls and
// Agent are the status page's and /health's views, Collectors the agent-wide metrics; Close at exit releases
// the leases (owners write their legs back), stops the events, flushes the stores and the OTLP queues.
//
// Another consumer of the same events (call outcomes, fed the FreeSWITCH events and Asterisk's AMI events like
// the quality tracker) is attached in one place: a type implementing consumer, appended to the list New
// builds. It receives the options of each FreeSWITCH instance (freeswitch), every built instance (bind: the
// place for an Asterisk instance's setters) and the shutdown (close, after the leases were released).
package pipeline
