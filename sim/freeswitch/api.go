package freeswitch

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// api runs an API command as switch_api_execute does (firing the API event after it).
// ok is false for an unknown command.
func (s *Server) api(cmd, arg string, hasArg bool) (string, bool) {
	cmd, arg = strings.TrimSpace(cmd), strings.TrimSpace(arg)
	s.mu.Lock()
	defer s.mu.Unlock()
	out, ok := s.apiLocked(cmd, arg)
	e := s.newEvent("API", "", "switch_loadable_module.c", "switch_api_execute", "2954")
	if cmd != "" {
		e.add("API-Command", cmd)
	}
	if arg != "" {
		e.add("API-Command-Argument", arg)
	}
	s.fire(e)
	return out, ok
}

// API runs an API command against the simulator and returns its output, as `api` would.
func (s *Server) API(command string) string {
	cmd, arg, hasArg := strings.Cut(command, " ")
	out, ok := s.api(cmd, arg, hasArg)
	if !ok {
		return "-ERR " + cmd + " Command not found!\n"
	}
	return out
}

func (s *Server) apiLocked(cmd, arg string) (string, bool) {
	switch strings.ToLower(cmd) {
	case "status":
		return s.statusText(), true
	case "uptime":
		return s.uptimeAPI(arg), true
	case "strepoch":
		return s.strepoch(arg), true
	case "version":
		if arg != "" && strings.Contains(strings.ToLower(strings.Fields(arg)[0]), "short") {
			return s.cfg.Version + "\n", true
		}
		return fmt.Sprintf("FreeSWITCH Version %s~64bit ( 64bit)\n", s.cfg.Version), true
	case "hostname":
		return s.cfg.Hostname, true
	case "switchname":
		return s.cfg.Switchname, true
	case "global_getvar":
		if arg == "" {
			var b strings.Builder
			for _, kv := range s.globalVars() {
				b.WriteString(kv[0] + "=" + kv[1] + "\n")
			}
			return b.String(), true
		}
		for _, kv := range s.globalVars() {
			if kv[0] == arg {
				return kv[1], true
			}
		}
		return "", true
	case "eval":
		return s.expand(arg), true
	case "echo":
		return arg, true
	case "show":
		return s.showAPI(arg), true
	case "sofia":
		return s.sofiaAPI(arg), true
	case "reloadxml":
		return "+OK [Success]\n", true
	case "uuid_exists":
		if _, ok := s.legs[arg]; ok {
			return "true", true
		}
		return "false", true
	case "uuid_kill":
		if arg == "" {
			return "-USAGE: <uuid> [cause]\n", true
		}
		uuid, cause, _ := strings.Cut(arg, " ")
		l, ok := s.legs[uuid]
		if !ok {
			return "-ERR No such channel!\n", true
		}
		if cause == "" {
			cause = "NORMAL_CLEARING"
		}
		s.hangupLocked(l.call, strings.ToUpper(cause), true)
		return "+OK\n", true
	case "hupall":
		cause := "MANAGER_REQUEST"
		if f := strings.Fields(arg); len(f) > 0 && causeKnown(strings.ToUpper(f[0])) {
			cause = strings.ToUpper(f[0])
		}
		s.hangupAllLocked(cause)
		return "+OK hangup all channels with cause " + cause + "\n", true
	case "uuid_getvar":
		f := strings.Split(arg, " ")
		if arg == "" || len(f) < 2 || f[0] == "" {
			return "-USAGE: <uuid> <var>\n", true
		}
		l, ok := s.legs[f[0]]
		if !ok {
			return "-ERR No such channel!\n", true
		}
		if f[1] == "" {
			return "-ERR No variable name specified!\n", true
		}
		if v, ok := s.dataEvent(l, false).get("variable_" + f[1]); ok {
			return v, true
		}
		return "_undef_", true
	case "uuid_dump":
		f := strings.Fields(arg)
		if len(f) == 0 {
			return "-USAGE: <uuid> [format]\n", true
		}
		l, ok := s.legs[f[0]]
		if !ok {
			return "-ERR No such channel!\n", true
		}
		format := "txt"
		if len(f) > 1 {
			format = f[1]
		}
		e := s.dataEvent(l, true)
		switch strings.ToLower(format) {
		case "xml":
			return string(e.serializeXML()), true
		case "json":
			return string(e.serializeJSON()), true
		case "plain":
			return string(e.serializePlain(false)), true
		}
		return string(e.serializePlain(true)), true
	case "originate":
		return s.originate(arg), true
	}
	return "", false
}

func causeKnown(c string) bool {
	switch c {
	case "NORMAL_CLEARING", "MANAGER_REQUEST", "USER_BUSY", "NO_ANSWER", "CALL_REJECTED", "NO_USER_RESPONSE",
		"UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION", "ORIGINATOR_CANCEL", "NORMAL_TEMPORARY_FAILURE",
		"SERVICE_UNAVAILABLE", "MEDIA_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE", "DESTINATION_OUT_OF_ORDER",
		"INVALID_NUMBER_FORMAT", "SWITCH_CONGESTION", "INCOMPATIBLE_DESTINATION":
		return true
	}
	return false
}

func (s *Server) uptimeAPI(arg string) string {
	scale := map[string]time.Duration{
		"": time.Second, "us": time.Microsecond, "microseconds": time.Microsecond, "ms": time.Millisecond,
		"milliseconds": time.Millisecond, "s": time.Second, "seconds": time.Second, "m": time.Minute,
		"minutes": time.Minute, "h": time.Hour, "hours": time.Hour, "d": 24 * time.Hour, "days": 24 * time.Hour,
	}[strings.ToLower(arg)]
	if scale == 0 {
		return "-USAGE: [us|ms|s|m|h|d|microseconds|milliseconds|seconds|minutes|hours|days]\n"
	}
	return fmt.Sprintf("%d\n", s.uptime()/scale)
}

func (s *Server) strepoch(arg string) string {
	if arg == "" {
		return fmt.Sprint(s.now().Unix())
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "15:04:05"} {
		if t, err := time.ParseInLocation(layout, arg, time.Local); err == nil {
			return fmt.Sprint(t.Unix())
		}
	}
	return "0"
}

func (s *Server) globalVars() [][2]string {
	return [][2]string{
		{"hostname", s.cfg.Hostname}, {"local_ip_v4", s.cfg.IPv4}, {"local_mask_v4", "255.255.255.0"},
		{"local_ip_v6", s.cfg.IPv6}, {"base_dir", "/usr/local/freeswitch"},
		{"recordings_dir", "/usr/local/freeswitch/recordings"}, {"sound_prefix", "/usr/local/freeswitch/sounds"},
		{"sounds_dir", "/usr/local/freeswitch/sounds"}, {"conf_dir", "/usr/local/freeswitch/conf"},
		{"log_dir", "/usr/local/freeswitch/log"}, {"run_dir", "/usr/local/freeswitch/run"},
		{"db_dir", "/usr/local/freeswitch/db"}, {"mod_dir", "/usr/local/freeswitch/mod"},
		{"htdocs_dir", "/usr/local/freeswitch/htdocs"}, {"script_dir", "/usr/local/freeswitch/scripts"},
		{"temp_dir", "/tmp"}, {"grammar_dir", "/usr/local/freeswitch/grammar"},
		{"fonts_dir", "/usr/local/freeswitch/fonts"}, {"images_dir", "/usr/local/freeswitch/images"},
		{"certs_dir", "/usr/local/freeswitch/certs"}, {"storage_dir", "/usr/local/freeswitch/storage"},
		{"cache_dir", "/usr/local/freeswitch/cache"}, {"data_dir", "/usr/local/freeswitch"},
		{"localstate_dir", "/usr/local/freeswitch"}, {"domain", s.cfg.Domain},
		{"global_codec_prefs", "PCMU,PCMA"}, {"internal_sip_port", "5060"}, {"external_sip_port", "5080"},
		{"default_password", "1234"}, {"core_uuid", s.coreUUID},
	}
}

var varRef = regexp.MustCompile(`\$\$?\{([^}]*)\}`)

func (s *Server) expand(v string) string {
	vars := map[string]string{}
	for _, kv := range s.globalVars() {
		vars[kv[0]] = kv[1]
	}
	return varRef.ReplaceAllStringFunc(v, func(m string) string {
		return vars[varRef.FindStringSubmatch(m)[1]]
	})
}

var originateVars = regexp.MustCompile(`^(\{[^}]*\}|\[[^]]*\]|<[^>]*>)*`)

// originate starts an outbound simulated call for `originate <url> <app>`.
func (s *Server) originate(arg string) string {
	f := strings.Fields(arg)
	if len(f) < 2 {
		return "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n"
	}
	url := originateVars.ReplaceAllString(f[0], "")
	parts := strings.Split(url, "/")
	spec := CallSpec{Direction: "outbound"}
	switch {
	case len(parts) >= 4 && parts[0] == "sofia" && parts[1] == "gateway":
		spec.Gateway, spec.Destination = parts[2], parts[3]
		if s.gatewayNamed(spec.Gateway) == nil {
			return "-ERR GATEWAY_DOWN\n"
		}
	case len(parts) >= 3 && parts[0] == "sofia":
		spec.Profile = parts[1]
		user, host, _ := strings.Cut(parts[2], "@")
		spec.Destination = user
		if h, _, ok := strings.Cut(host, ":"); ok {
			host = h
		}
		spec.Domain = host
		if s.profileByName(parts[1]) == nil {
			return "-ERR NO_ROUTE_DESTINATION\n"
		}
	default:
		return "-ERR NO_ROUTE_DESTINATION\n"
	}
	return "+OK " + s.startCallLocked(spec) + "\n"
}
