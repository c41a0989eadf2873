package config

import (
	"fmt"
	"sort"
	"strings"
)

func sortedKeys(m map[string]bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func fmtWhere(key string, i int) string { return fmt.Sprintf("%s[%d]", key, i) }
