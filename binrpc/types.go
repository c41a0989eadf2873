package binrpc

import "strconv"

// Type is the type of one BINRPC record (binrpc.h: BINRPC_T_*).
type Type uint8

// Record types.
const (
	TypeInt    Type = 0 // signed 32-bit integer, big endian, minimal length
	TypeStr    Type = 1 // string, NUL terminated on the wire
	TypeDouble Type = 2 // fixed point: an int holding value×1000
	TypeStruct Type = 3 // struct start/end tag; members are AVPs
	TypeArray  Type = 4 // array start/end tag
	TypeAVP    Type = 5 // struct member name (only inside structs)
	TypeBytes  Type = 6 // raw bytes, not NUL terminated
)

var typeNames = [...]string{"int", "string", "double", "struct", "array", "avp", "bytes"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// PacketType is the message type in a packet header.
type PacketType uint8

// Packet types (binrpc.h: BINRPC_REQ, BINRPC_REPL, BINRPC_FAULT).
const (
	PacketRequest PacketType = 0
	PacketReply   PacketType = 1
	PacketFault   PacketType = 3
)

func (p PacketType) String() string {
	switch p {
	case PacketRequest:
		return "request"
	case PacketReply:
		return "reply"
	case PacketFault:
		return "fault"
	}
	return "packet(" + strconv.Itoa(int(p)) + ")"
}

const (
	magicVersion = 0xA1 // BINRPC_MAGIC<<4 | BINRPC_VERS
	// MaxHeaderSize is the longest packet header: 2 fixed bytes, 4 of
	// length, 4 of cookie.
	MaxHeaderSize = 10
	// DefaultMaxReplyBytes bounds a reply body when no limit is set.
	DefaultMaxReplyBytes = 16 << 20
	// MaxDepth bounds the nesting of structs and arrays in a decoded body.
	MaxDepth = 64
	// MaxDatagram is the largest BINRPC packet over a datagram socket.
	MaxDatagram = 65535
)
