package redshiftemu

import (
	"strings"
)

// Configuration parameters a session can SET on Amazon Redshift
// (https://docs.aws.amazon.com/redshift/latest/dg/cm_chap_ConfigurationRef.html,
// r_SET.html). The value says whether the Postgres backend has a parameter of
// that name with the same meaning (forwarded) or not (the emulator accepts
// and remembers the value and answers SET itself; it has no effect).
var redshiftParams = map[string]bool{
	"analyze_threshold_percent":               false,
	"application_name":                        true,
	"cast_super_null_on_error":                false,
	"datashare_break_glass_session_var":       false,
	"datestyle":                               true,
	"default_array_search_null_handling":      false,
	"default_geometry_encoding":               false,
	"describe_field_name_in_uppercase":        false,
	"downcase_delimited_identifier":           false,
	"enable_case_sensitive_identifier":        false,
	"enable_case_sensitive_super_attribute":   false,
	"enable_numeric_rounding":                 false,
	"enable_result_cache_for_session":         false,
	"enable_vacuum_boost":                     false,
	"error_on_nondeterministic_update":        false,
	"extra_float_digits":                      true,
	"interval_forbid_composite_literals":      false,
	"json_parse_dedup_attributes":             false,
	"json_serialization_enable":               false,
	"json_serialization_parse_nested_strings": false,
	"max_concurrency_scaling_clusters":        false,
	"max_cursor_result_set_size":              false,
	"mv_enable_aqmv_for_session":              false,
	"navigate_super_null_on_error":            false,
	"parse_super_null_on_error":               false,
	"query_group":                             false,
	"search_path":                             true,
	"spectrum_query_maxerror":                 false,
	"statement_timeout":                       true,
	"stored_proc_log_min_messages":            false,
	"timezone":                                true,
	"wlm_query_slot_count":                    false,
}

func unknownParam(name string) *SQLError {
	return &SQLError{Code: "42704", Message: `unrecognized configuration parameter "` + name + `"`}
}

// analyzeSet handles SET and RESET.
func analyzeSet(sql string, sig []token, st Statement, ac AnalyzeContext) Statement {
	reset := st.First == "RESET"
	i := 1
	if !reset && isWord(at(sig, i), "SESSION", "LOCAL") {
		if isWord(at(sig, i), "SESSION") && isWord(at(sig, i+1), "CHARACTERISTICS", "AUTHORIZATION") {
			return st // SET SESSION CHARACTERISTICS / AUTHORIZATION pass
		}
		i++
	}
	nt := at(sig, i)
	if !reset && isWord(nt, "TRANSACTION") {
		return st
	}
	if reset && isWord(nt, "ALL") {
		return st
	}
	name := ""
	valueFrom := i + 1
	switch {
	case isWord(nt, "TIME") && isWord(at(sig, i+1), "ZONE"):
		name = "timezone"
		valueFrom = i + 2
	case nt.kind == tkWord || nt.kind == tkQIdent:
		name = identName(nt)
		for isPunct(at(sig, valueFrom), ".") {
			name += "." + identName(at(sig, valueFrom+1))
			valueFrom += 2
		}
	default:
		st.Err = &SQLError{Code: "42601", Message: "syntax error in " + st.First}
		return st
	}
	native, ok := redshiftParams[name]
	if !ok {
		st.Err = unknownParam(name)
		return st
	}
	if !native {
		st.Kind = StmtSetEmulated
		st.SetName = name
		st.Reset = reset
		if !reset {
			if isWord(at(sig, valueFrom), "TO") || (at(sig, valueFrom).kind == tkOp && at(sig, valueFrom).text == "=") {
				valueFrom++
			}
			if valueFrom < len(sig) {
				v := strings.TrimSpace(sql[sig[valueFrom].start:sig[len(sig)-1].end])
				if t := at(sig, valueFrom); t.kind == tkString && valueFrom == len(sig)-1 {
					v = unquoteString(t)
				}
				st.SetValue = v
			}
		}
		return st
	}
	if name == "search_path" && len(ac.SearchPathEmu) > 0 {
		emu := strings.Join(ac.SearchPathEmu, ", ")
		if reset {
			st.SQL = `SET search_path TO "$user", public, ` + emu
			return st
		}
		if isWord(at(sig, valueFrom), "TO") || (at(sig, valueFrom).kind == tkOp && at(sig, valueFrom).text == "=") {
			valueFrom++
		}
		if isWord(at(sig, valueFrom), "DEFAULT") && valueFrom == len(sig)-1 {
			st.SQL = `SET search_path TO "$user", public, ` + emu
			return st
		}
		st.SQL = sql[:sig[len(sig)-1].end] + ", " + emu
	}
	return st
}
