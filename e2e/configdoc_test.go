package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
)

// configKeys lists every key of the configuration file, as dotted paths ("freeswitch[].password").
func configKeys(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		path := prefix + tag
		ft := f.Type
		switch ft.Kind() {
		case reflect.Slice:
			if el := ft.Elem(); el.Kind() == reflect.Struct {
				configKeys(el, path+"[].", out)
				continue
			}
		case reflect.Map:
			if el := ft.Elem(); el.Kind() == reflect.Struct {
				configKeys(el, path+".<name>.", out)
				continue
			}
		case reflect.Struct:
			if ft != reflect.TypeOf(time.Time{}) {
				configKeys(ft, path+".", out)
				continue
			}
		}
		*out = append(*out, path)
	}
}

// TestEveryConfigKeyIsDocumented: each key of the configuration file appears in the README or a
// reference under docs/, as a YAML key in an example ("key:") or in a reference table (`…key`).
func TestEveryConfigKeyIsDocumented(t *testing.T) {
	var keys []string
	configKeys(reflect.TypeOf(config.Config{}), "", &keys)
	var docs strings.Builder
	files, _ := filepath.Glob("../docs/*.md")
	for _, f := range append(files, "../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	text := docs.String()
	missing := 0
	for _, k := range keys {
		leaf := k[strings.LastIndexAny(k, ".]")+1:]
		yamlKey := regexp.MustCompile(`(?m)^\s*(- )?` + regexp.QuoteMeta(leaf) + `:`)
		if !strings.Contains(text, "`"+k+"`") && !strings.Contains(text, "."+leaf+"`") && !yamlKey.MatchString(text) {
			t.Errorf("configuration key %s is not documented in README.md or docs/", k)
			missing++
		}
	}
	t.Logf("%d configuration keys, %d undocumented", len(keys), missing)
}
