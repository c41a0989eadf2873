// Package freeswitch simulates a FreeSWITCH 1.10.12 Event Socket (mod_event_socket inbound),
// byte-exact with real captures, with simulated calls, RTCP, sofia state and injectable faults.
package freeswitch
