package esl

// ParseEvent parses an event frame (text/event-plain, -json or -xml) into a
// new Event that owns its storage: two allocations (the Event and its buffer).
func ParseEvent(f *Frame) (*Event, error) {
	e := new(Event)
	if err := e.parse(f, false); err != nil {
		return nil, err
	}
	return e, nil
}

// ParseFrame refills e from an event frame, reusing e's buffer when it is
// large enough (no allocation in steady state). Strings previously obtained
// from e become invalid; see the Event doc.
func (e *Event) ParseFrame(f *Frame) error { return e.parse(f, true) }

func (e *Event) parse(f *Frame, reuse bool) error {
	switch f.kind {
	case KindEventPlain:
		e.parsePlain(f.body, reuse)
		return nil
	case KindEventJSON:
		return e.parseJSON(f.body, reuse)
	case KindEventXML:
		return e.parseXML(f.body, reuse)
	}
	return ErrNotEvent
}

// ReadEvent reads frames until the next event frame and returns it parsed
// into a new Event. Other frames (replies, log/data) are skipped; a
// text/disconnect-notice returns a *DisconnectError.
func (r *Reader) ReadEvent() (*Event, error) {
	e := new(Event)
	if err := r.readEvent(e, false); err != nil {
		return nil, err
	}
	return e, nil
}

// ReadEventInto is ReadEvent refilling e (zero allocations once e's buffer
// has grown to the largest event seen). Strings from the previous fill of e
// become invalid.
func (r *Reader) ReadEventInto(e *Event) error { return r.readEvent(e, true) }

func (r *Reader) readEvent(e *Event, reuse bool) error {
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return err
		}
		switch {
		case f.kind.IsEvent():
			return e.parse(f, reuse)
		case f.kind == KindDisconnect:
			return &DisconnectError{Notice: string(f.body)}
		}
	}
}
