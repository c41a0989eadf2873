// Package esl is a client for the FreeSWITCH Event Socket (mod_event_socket, inbound mode): framing, event parsing (plain, JSON, XML), commands and a reconnecting client.
// We wrote our own because percipia/eslgo and fiorix/go-eventsocket allocate ~150–350 times per event, leave reads unbounded, and eslgo cannot parse JSON events.
package esl
