package esl

import "strings"

// HeaderField is one outer header line of a reply.
type HeaderField struct {
	Name, Value string
}

// Reply is FreeSWITCH's answer to a command: a command/reply (Text holds
// Reply-Text) or an api/response (Body holds the result).
type Reply struct {
	ContentType string
	Text        string // Reply-Text ("+OK …" / "-ERR …"), command/reply only
	JobUUID     string // Job-UUID, bgapi replies only
	Headers     []HeaderField
	Body        []byte
}

// OK reports whether the reply is not an error: Reply-Text starting with
// "+OK" for command/reply, a body not starting with "-ERR" for api/response.
func (r *Reply) OK() bool {
	if r.ContentType == TypeAPIResponse {
		return !strings.HasPrefix(string(r.Body), "-ERR")
	}
	return strings.HasPrefix(r.Text, "+OK")
}

// Header returns the first header named key (ASCII case-insensitive).
func (r *Reply) Header(key string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, key) {
			return h.Value
		}
	}
	return ""
}

func newReply(f *Frame) *Reply {
	r := &Reply{ContentType: f.ContentType(), Headers: make([]HeaderField, 0, f.Len())}
	f.Range(func(k, v []byte) bool {
		h := HeaderField{Name: string(k), Value: string(v)}
		r.Headers = append(r.Headers, h)
		switch {
		case r.Text == "" && strings.EqualFold(h.Name, "Reply-Text"):
			r.Text = h.Value
		case r.JobUUID == "" && strings.EqualFold(h.Name, "Job-UUID"):
			r.JobUUID = h.Value
		}
		return true
	})
	if b := f.Body(); len(b) > 0 {
		r.Body = append([]byte(nil), b...)
	}
	return r
}

// LogData is one log/data frame (after "log N").
type LogData struct {
	Level    int    // Log-Level (0 console … 7 debug)
	Channel  string // Text-Channel
	File     string // Log-File
	Func     string // Log-Func
	Line     int    // Log-Line
	UserData string // User-Data (often a channel UUID)
	Text     []byte // the log line
}

func newLogData(f *Frame) *LogData {
	l := &LogData{
		Channel:  f.Header("Text-Channel"),
		File:     f.Header("Log-File"),
		Func:     f.Header("Log-Func"),
		UserData: f.Header("User-Data"),
		Text:     append([]byte(nil), f.Body()...),
	}
	if v, ok := f.HeaderBytes("Log-Level"); ok {
		l.Level, _ = parseDecimal(v)
	}
	if v, ok := f.HeaderBytes("Log-Line"); ok {
		l.Line, _ = parseDecimal(v)
	}
	return l
}
