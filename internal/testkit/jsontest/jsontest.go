// Package jsontest checks JSON output in tests: that a text is JSON lines
// whose objects repeat no key, as strict log pipelines require.
package jsontest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Lines parses every line of out as one JSON object whose keys, at every
// depth, appear once, and returns them; it fails on the first line that is
// not.
func Lines(out string) ([]map[string]any, error) {
	var records []map[string]any
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil, nil
	}
	for i, line := range strings.Split(out, "\n") {
		if err := uniqueKeys(json.NewDecoder(strings.NewReader(line))); err != nil {
			return records, fmt.Errorf("line %d is not JSON with unique keys (%v): %s", i+1, err, line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return records, fmt.Errorf("line %d is not a JSON object (%v): %s", i+1, err, line)
		}
		records = append(records, m)
	}
	return records, nil
}

// uniqueKeys reads one JSON value and reports a key repeated in an object.
func uniqueKeys(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch t {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			if seen[k.(string)] {
				return fmt.Errorf("key %q twice", k)
			}
			seen[k.(string)] = true
			if err := uniqueKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	case json.Delim('['):
		for dec.More() {
			if err := uniqueKeys(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
		return err
	}
	return nil
}
