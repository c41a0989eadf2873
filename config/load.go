package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a configuration error with where it was found.
type Error struct {
	File string // file name, or the environment variable that held the value
	Line int    // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	default:
		return e.Msg
	}
}

// Load reads, expands, overrides, decodes and validates the file at path.
// An empty path means no file: only environment overrides and defaults.
func Load(path string) (*Config, error) {
	var data []byte
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, &Error{File: path, Msg: err.Error()}
		}
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse is Load on bytes already read; lookup resolves environment variables.
func Parse(name string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	root, err := parseNode(name, data)
	if err != nil {
		return nil, err
	}
	if err := expandEnv(name, root, lookup); err != nil {
		return nil, err
	}
	if err := applyOverrides(root, lookup); err != nil {
		return nil, err
	}
	for _, h := range overrideHooks {
		if err := h(root, lookup); err != nil {
			return nil, err
		}
	}
	if err := checkKnown(name, root, reflect.TypeFor[Config](), ""); err != nil {
		return nil, err
	}
	cfg := &Config{File: name}
	if root.Kind != 0 {
		if err := root.Decode(cfg); err != nil {
			return nil, yamlError(name, err)
		}
	}
	recordLines(root, cfg)
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseNode returns the top-level mapping node (an empty one for no data).
func parseNode(name string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: root.Line, Msg: "the top level must be a mapping of keys (global, freeswitch, modules…)"}
	}
	return root, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns yaml.v3's "yaml: line N: msg" (or a TypeError listing
// several) into an Error with the file and line.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []error
	for _, m := range msgs {
		e := &Error{File: name, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			fmt.Sscanf(sm[1], "%d", &e.Line)
			e.Msg = sm[2]
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expandEnv replaces ${VAR} and ${VAR:-default} in every scalar value; $$ is a
// literal $. A variable that is unset and has no default is an error, so a
// missing secret fails at start rather than as an authentication error later.
func expandEnv(name string, n *yaml.Node, lookup func(string) (string, bool)) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "$") {
		var missing []string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			if m == "$$" {
				return "$"
			}
			sm := envRef.FindStringSubmatch(m)
			if v, ok := lookup(sm[1]); ok {
				return v
			}
			if strings.Contains(m, ":-") {
				return sm[2]
			}
			missing = append(missing, sm[1])
			return ""
		})
		if len(missing) > 0 {
			return &Error{File: name, Line: n.Line, Msg: fmt.Sprintf("environment variable %s is not set", strings.Join(missing, ", "))}
		}
		if n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!bool" || n.Tag == "!!null" {
			n.Tag = "" // re-resolve the expanded text
		}
		return nil
	}
	for _, c := range n.Content {
		if err := expandEnv(name, c, lookup); err != nil {
			return err
		}
	}
	return nil
}

// overrideHooks apply finer environment overrides after applyOverrides (a
// source's file may add one from init, e.g. quality.go's
// VOIP_EXPORTER_OTLP_ENDPOINT).
var overrideHooks []func(root *yaml.Node, lookup func(string) (string, bool)) error

// applyOverrides replaces a top-level key with the YAML (or JSON) held by
// VOIP_EXPORTER_<KEY>, as seed 001's FSAGENT_* variables do.
func applyOverrides(root *yaml.Node, lookup func(string) (string, bool)) error {
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		key := yamlKey(t.Field(i))
		if key == "" {
			continue
		}
		env := EnvPrefix + strings.ToUpper(key)
		val, ok := lookup(env)
		if !ok {
			continue
		}
		node, err := parseValue(env, val)
		if err != nil {
			return err
		}
		if err := expandEnv(env, node, lookup); err != nil {
			return err
		}
		setKey(root, key, node)
	}
	return nil
}

func parseValue(env, val string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(val), &doc); err != nil {
		return nil, yamlError(env, err)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}, nil
	}
	n := doc.Content[0]
	zeroLines(n)
	return n, nil
}

// zeroLines drops line numbers that refer to an environment value, not the file.
func zeroLines(n *yaml.Node) {
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		zeroLines(c)
	}
}

func setKey(m *yaml.Node, key string, val *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = val
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
}

func yamlKey(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// checkKnown rejects keys the configuration does not have, with their line,
// and lists the keys that are allowed there.
func checkKnown(name string, n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			if k := yamlKey(t.Field(i)); k != "" {
				fields[k] = t.Field(i).Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				known := make([]string, 0, len(fields))
				for f := range fields {
					known = append(known, f)
				}
				sort.Strings(known)
				return &Error{File: name, Line: k.Line, Msg: fmt.Sprintf("unknown key %q in %s (known: %s)", k.Value, orTop(path), strings.Join(known, ", "))}
			}
			if err := checkKnown(name, n.Content[i+1], ft, join(path, k.Value)); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKnown(name, n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, c := range n.Content {
			if err := checkKnown(name, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// recordLines copies each list item's line from the node tree to its Line
// field (every instance type has one), so validation errors can point at it.
func recordLines(root *yaml.Node, cfg *Config) {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for f := range t.NumField() {
		key := yamlKey(t.Field(f))
		list := v.Field(f)
		if key == "" || list.Kind() != reflect.Slice {
			continue
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != key || root.Content[i+1].Kind != yaml.SequenceNode {
				continue
			}
			for j, item := range root.Content[i+1].Content {
				if j >= list.Len() {
					break
				}
				if line := list.Index(j).FieldByName("Line"); line.IsValid() && line.CanSet() && line.Kind() == reflect.Int {
					line.SetInt(int64(item.Line))
				}
			}
		}
	}
}
