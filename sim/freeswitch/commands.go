package freeswitch

import (
	"fmt"
	"strconv"
	"strings"
)

func commandReply(text string) []byte {
	return []byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n")
}

func apiResponse(body string) []byte {
	return []byte("Content-Type: api/response\nContent-Length: " + strconv.Itoa(len(body)) + "\n\n" + body)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func stripCR(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func getHeader(hdrs []header, name string) (string, bool) {
	for _, h := range hdrs {
		if strings.EqualFold(h.name, name) {
			return h.value, true
		}
	}
	return "", false
}

// execute is mod_event_socket's parse_command for an inbound connection. It returns the reply
// frame and false when the connection must be closed after it.
func (sess *session) execute(cmd string, hdrs []header, body string) ([]byte, bool) {
	s := sess.srv
	if hasPrefixFold(cmd, "exit") || strings.HasPrefix(cmd, "...") {
		return commandReply("+OK bye"), false
	}
	s.mu.Lock()
	authed := sess.authed
	s.mu.Unlock()
	if !authed {
		switch {
		case hasPrefixFold(cmd, "auth "):
			s.mu.Lock()
			defer s.mu.Unlock()
			if stripCR(cmd[5:]) == s.password {
				sess.authed = true
				return commandReply("+OK accepted"), true
			}
			return commandReply("-ERR invalid"), false
		case hasPrefixFold(cmd, "userauth "):
			user, rest, _ := strings.Cut(stripCR(cmd[9:]), "@")
			domain, pass, _ := strings.Cut(rest, ":")
			if u, p, ok := strings.Cut(user, ":"); ok {
				user, pass = u, p
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if user == "" || domain == "" || pass != s.password {
				return commandReply("-ERR invalid"), false
			}
			sess.authed = true
			return []byte("Content-Type: command/reply\nReply-Text: +OK accepted\nAllowed-Events: all\nAllowed-API: all\nAllowed-LOG: true\n\n"), true
		}
		return commandReply("-ERR command not found"), true
	}

	switch {
	case hasPrefixFold(cmd, "filter "):
		return commandReply(sess.filter(stripCR(cmd[7:]))), true
	case hasPrefixFold(cmd, "myevents "):
		return commandReply(sess.myEvents(cmd)), true
	case hasPrefixFold(cmd, "divert_events"):
		return commandReply("-ERR not controlling a session."), true
	case hasPrefixFold(cmd, "sendmsg"):
		return commandReply(sess.sendmsg(cmd, hdrs)), true
	case hasPrefixFold(cmd, "sendevent"):
		return commandReply(sess.sendevent(cmd, hdrs, body)), true
	case hasPrefixFold(cmd, "api "):
		name, arg, hasArg := strings.Cut(stripCR(cmd[4:]), " ")
		out, ok := s.api(name, arg, hasArg)
		if !ok {
			out = "-ERR " + name + " Command not found!\n"
		}
		if out == "" {
			out = "-ERR no reply\n"
		}
		return apiResponse(out), true
	case hasPrefixFold(cmd, "bgapi "):
		return sess.bgapi(stripCR(cmd[6:]), hdrs), true
	case hasPrefixFold(cmd, "log"):
		return commandReply(sess.setLog(stripCR(cmd))), true
	case hasPrefixFold(cmd, "linger"), hasPrefixFold(cmd, "nolinger"):
		return commandReply("-ERR not controlling a session"), true
	case hasPrefixFold(cmd, "nolog"):
		s.mu.Lock()
		defer s.mu.Unlock()
		if sess.logging {
			sess.logging = false
			return commandReply("+OK no longer logging"), true
		}
		return commandReply("-ERR not loging"), true
	case hasPrefixFold(cmd, "event"):
		return commandReply(sess.event(stripCR(cmd))), true
	case hasPrefixFold(cmd, "nixevent"):
		return commandReply(sess.nixevent(stripCR(cmd))), true
	case hasPrefixFold(cmd, "noevents"):
		s.mu.Lock()
		defer s.mu.Unlock()
		if sess.events {
			sess.events = false
			sess.eventList = [len(eventNames)]bool{}
			sess.customs = map[string]bool{}
			return commandReply("+OK no longer listening for events"), true
		}
		return commandReply("-ERR not listening for events"), true
	}
	return commandReply("-ERR command not found"), true
}

func (sess *session) filter(args string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.TrimLeft(args, " ")
	val, hasVal := "", false
	if i := strings.IndexByte(name, ' '); i >= 0 {
		name, val, hasVal = name[:i], name[i+1:], true
	}
	if strings.EqualFold(name, "delete") && hasVal {
		name = val
		val, hasVal = "", false
		if i := strings.IndexByte(name, ' '); i >= 0 {
			name, val, hasVal = name[:i], name[i+1:], true
		}
		if strings.EqualFold(name, "all") {
			sess.filters = nil
		} else {
			kept := sess.filters[:0]
			for _, f := range sess.filters {
				if strings.EqualFold(f.name, name) && (!hasVal || f.value == val) {
					continue
				}
				kept = append(kept, f)
			}
			sess.filters = kept
		}
		return fmt.Sprintf("+OK filter deleted. [%s][%s]", name, val)
	}
	if !hasVal {
		return "-ERR invalid syntax"
	}
	if strings.EqualFold(name, "add") {
		name = val
		val = ""
		if i := strings.IndexByte(name, ' '); i >= 0 {
			name, val = name[:i], name[i+1:]
		}
	}
	sess.filters = append(sess.filters, header{name, val})
	return fmt.Sprintf("+OK filter added. [%s]=[%s]", name, val)
}

func (sess *session) myEvents(cmd string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.myevents {
		return "-ERR aready enabled."
	}
	uuid, _, hasFmt := strings.Cut(stripCR(cmd[9:]), " ")
	if _, ok := s.legs[uuid]; ok {
		sess.myUUID = uuid
	} else if hasFmt {
		return "-ERR invalid uuid"
	}
	for _, n := range channelEventIDs {
		id, _ := eventID(n)
		sess.eventList[id] = true
	}
	sess.myevents = true
	sess.events = true
	if strings.Contains(cmd, "xml") || strings.Contains(cmd, "XML") {
		sess.format = fmtXML
	}
	if strings.Contains(cmd, "json") || strings.Contains(cmd, "JSON") {
		sess.format = fmtJSON
	}
	return "+OK Events Enabled"
}

func parseFormat(tok string) (int, bool) {
	for i, n := range formatNames {
		if strings.EqualFold(tok, n) {
			return i, true
		}
	}
	return 0, false
}

func (sess *session) event(cmd string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, custom := 0, false
	if i := strings.IndexByte(cmd[5:], ' '); i >= 0 {
		for n, tok := range strings.Split(cmd[5+i+1:], " ") {
			if n == 0 {
				if f, ok := parseFormat(tok); ok {
					sess.format = f
					continue
				}
			}
			if custom {
				sess.customs[tok] = true
				continue
			}
			id, ok := eventID(tok)
			if !ok {
				continue
			}
			keys++
			if id == evAll {
				for x := range sess.eventList {
					sess.eventList[x] = true
				}
			}
			sess.eventList[id] = true
			if id == evCustom {
				custom = true
			}
		}
	}
	if keys == 0 {
		return "-ERR no keywords supplied"
	}
	sess.events = true
	return "+OK event listener enabled " + formatNames[sess.format]
}

func (sess *session) nixevent(cmd string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, custom := 0, false
	if i := strings.IndexByte(cmd[8:], ' '); i >= 0 {
		for _, tok := range strings.Split(cmd[8+i+1:], " ") {
			if custom {
				delete(sess.customs, tok)
				continue
			}
			id, ok := eventID(tok)
			if !ok {
				continue
			}
			keys++
			switch {
			case id == evCustom:
				custom = true
			case id == evAll:
				sess.eventList = [len(eventNames)]bool{}
			default:
				if sess.eventList[evAll] {
					sess.eventList[evAll] = false
					for x := 0; x < evAll; x++ {
						sess.eventList[x] = true
					}
				}
				sess.eventList[id] = false
			}
		}
	}
	if keys == 0 {
		return "-ERR no keywords supplied"
	}
	sess.events = true
	return "+OK events nixed"
}

// logLevel is switch_log_str2level (-1 DISABLE .. 7 DEBUG; 64 invalid).
func logLevel(s string) int {
	if n, err := strconv.Atoi(s); err == nil && s != "" && s[0] != '+' {
		switch {
		case n > 64:
			return 63
		case n < 0:
			return 0
		}
		return n
	}
	for i, n := range []string{"DISABLE", "CONSOLE", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG"} {
		if strings.EqualFold(s, n) {
			return i - 1
		}
	}
	return 64
}

func (sess *session) setLog(cmd string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	lvl := strings.TrimLeft(cmd[3:], " ")
	if i := strings.IndexByte(lvl, ' '); i >= 0 {
		lvl = lvl[:i]
	}
	level := 7
	if lvl != "" {
		level = logLevel(lvl)
	}
	if level == 64 {
		return "-ERR invalid log level"
	}
	sess.logLevel = level
	sess.logging = true
	return fmt.Sprintf("+OK log level %s [%d]", lvl, level)
}

func (sess *session) sendmsg(cmd string, hdrs []header) string {
	s := sess.srv
	uuid := strings.TrimLeft(stripCR(cmd[7:]), " ")
	if uuid == "" {
		uuid, _ = getHeader(hdrs, "session-id")
	}
	s.mu.Lock()
	l, ok := s.legs[uuid]
	s.mu.Unlock()
	if uuid == "" || !ok {
		return "-ERR invalid session id [" + uuid + "]"
	}
	if c, _ := getHeader(hdrs, "call-command"); strings.EqualFold(c, "hangup") {
		cause, _ := getHeader(hdrs, "hangup-cause")
		s.HangupCall(l.uuid, cause)
	}
	return "+OK"
}

func (sess *session) sendevent(cmd string, hdrs []header, body string) string {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	evUUID := s.newUUID()
	name := strings.TrimLeft(cmd[9:], " \t")
	id, ok := eventID(name)
	if !ok {
		id, name = 1, "CLONE"
	}
	sub := ""
	if id == evCustom {
		sub, _ = getHeader(hdrs, "Event-Subclass")
	}
	pre := s.newEvent(eventNames[id], "", "mod_event_socket.c", "parse_command", "2168")
	e := &event{id: id, subclass: sub}
	e.add("Command", cmd)
	for _, h := range hdrs {
		if !strings.EqualFold(h.name, "content-length") {
			e.add(h.name, h.value)
		}
	}
	e.add("Event-UUID", evUUID)
	e.headers = append(e.headers, pre.headers...)
	if body != "" {
		e.setBody(body)
	}
	s.fire(e)
	return "+OK " + evUUID
}

func (sess *session) bgapi(line string, hdrs []header) []byte {
	s := sess.srv
	name, arg, hasArg := strings.Cut(line, " ")
	s.mu.Lock()
	job, ok := getHeader(hdrs, "job-uuid")
	if !ok {
		job = s.newUUID()
	}
	ctx := s.epochCtx
	closed := s.closed
	if !closed {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	reply := []byte("Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job + "\nJob-UUID: " + job + "\n\n")
	if closed {
		return reply
	}
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			return
		default:
		}
		out, found := s.api(name, arg, hasArg)
		if !found {
			out = "-ERR " + name + " Command not found!\n"
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		e := s.newEvent("BACKGROUND_JOB", "", "mod_event_socket.c", "api_exec", "1572")
		e.add("Job-UUID", job)
		e.add("Job-Command", name)
		if hasArg {
			e.add("Job-Command-Arg", arg)
		}
		e.setBody(out)
		s.fire(e)
	}()
	return reply
}
