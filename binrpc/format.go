package binrpc

import (
	"strconv"
	"strings"
)

// String prints the reply the way kamcmd does: one value per top-level
// record, structs as indented "name: value" lines between braces.
func (r *Reply) String() string {
	var sb strings.Builder
	for v := range r.All() {
		v.format(&sb, 0)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// String prints one value like kamcmd.
func (v Value) String() string {
	var sb strings.Builder
	v.format(&sb, 0)
	return sb.String()
}

func (v Value) format(sb *strings.Builder, depth int) {
	if !v.Valid() {
		sb.WriteString("<invalid>")
		return
	}
	switch v.Type() {
	case TypeStruct, TypeArray:
		sb.WriteString("{\n")
		for c := range v.Items() {
			sb.WriteString(strings.Repeat("\t", depth+1))
			if v.Type() == TypeStruct {
				sb.WriteString(c.Name())
				sb.WriteString(": ")
			}
			c.format(sb, depth+1)
			sb.WriteByte('\n')
		}
		sb.WriteString(strings.Repeat("\t", depth))
		sb.WriteByte('}')
	case TypeDouble:
		f, _ := v.Float()
		sb.WriteString(strconv.FormatFloat(f, 'f', 6, 64))
	default:
		sb.WriteString(v.Str())
	}
}
