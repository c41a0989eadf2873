// Package ami is a client for the Asterisk Manager Interface: framing with bounded reads, Login/Logoff, ActionID correlation, event lists, Command output (Asterisk ≥14 "Output:" lines and ≤13 "Response: Follows"), events, keepalive and a reconnecting Client.
// We wrote our own because the Go AMI libraries we looked at (staskobzar/goami2, heltonmarx/goami, ivahaev/amigo, bit4bit/gami) read lines without any length cap, leave event lists and pipelining to the caller or serialise everything on one blocking socket, and have no reconnection with backoff or keepalive.
package ami
