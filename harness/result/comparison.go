package result

import "fmt"

// CompareSchema is the schema_version of the JSON document `evalctl
// compare` writes (a Comparison).
const CompareSchema = "evalctl.compare/v1"

// Verdict is the outcome of one compared row's significance test.
type Verdict int

// The verdicts.
const (
	// VerdictNoChange: the test did not reject "no change" at the configured level.
	VerdictNoChange Verdict = iota
	// VerdictBetter: a significant change in the metric's good direction.
	VerdictBetter
	// VerdictWorse: a significant change in the metric's bad direction.
	VerdictWorse
	// VerdictNotTested: no test could be run (no sidecars and no CIs, or NaN values).
	VerdictNotTested
)

var verdictNames = [...]string{VerdictNoChange: "no significant change", VerdictBetter: "better",
	VerdictWorse: "worse", VerdictNotTested: "not tested"}

// String returns "no significant change", "better", "worse" or "not tested".
func (v Verdict) String() string {
	if v > VerdictNoChange && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return verdictNames[VerdictNoChange]
}

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, reading what
// MarshalText writes.
func (v *Verdict) UnmarshalText(text []byte) error {
	for i, n := range verdictNames {
		if n == string(text) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", text)
}

// CompareRow is one task × model × variant × metric of a comparison.
type CompareRow struct {
	Task    string `json:"task"`
	Variant string `json:"variant"`
	// Model is the candidate's model name; BaseModel the baseline's.
	Model          string `json:"model"`
	BaseModel      string `json:"base_model"`
	Metric         string `json:"metric"`
	HigherIsBetter bool   `json:"higher_is_better"`
	Base           Float  `json:"base"`
	Cand           Float  `json:"cand"`
	BaseCI         *CI    `json:"base_ci,omitempty"`
	CandCI         *CI    `json:"cand_ci,omitempty"`
	// Delta is Cand − Base; DeltaCI its interval.
	Delta   Float `json:"delta"`
	DeltaCI *CI   `json:"delta_ci,omitempty"`
	// P is the two-sided p-value of the test named by Test (NaN: none).
	P    Float  `json:"p"`
	Test string `json:"test"`
	// Paired is the number of examples paired (0 for unpaired tests);
	// B01/B10 are McNemar's discordant counts.
	Paired  int     `json:"paired,omitempty"`
	B01     int     `json:"b01,omitempty"`
	B10     int     `json:"b10,omitempty"`
	Verdict Verdict `json:"verdict"`
}

// Comparison is what `evalctl compare` found: per metric both values, the
// change and its test, and the gates checked (package harness/compare
// computes it, package reports renders it).
type Comparison struct {
	Base  CompareSide  `json:"base"`
	Cand  CompareSide  `json:"cand"`
	Level float64      `json:"level"`
	Rows  []CompareRow `json:"rows"`
	// Gates holds every evaluated gate: first the candidate suite's own
	// (Source GateSourceSuite), then those given to compare (GateSourceFlag);
	// Value is the delta for regression gates.
	Gates []CompareGate `json:"gates"`
	// Notes explains matching decisions, skipped tests and mismatches.
	Notes []string `json:"notes,omitempty"`
}

// Gate sources: where a CompareGate's gate came from.
const (
	// GateSourceSuite marks a gate of the candidate suite, re-checked on the candidate.
	GateSourceSuite = "suite"
	// GateSourceFlag marks a gate given to compare (--gate).
	GateSourceFlag = "flag"
)

// CompareGate is one evaluated gate and where it came from.
type CompareGate struct {
	Gate
	// Source is GateSourceSuite or GateSourceFlag.
	Source string `json:"source"`
}

// CompareSide identifies one of the two results of a comparison.
type CompareSide struct {
	RunID  string   `json:"run_id"`
	Suite  string   `json:"suite"`
	Models []string `json:"models"`
}

// Failed reports whether any gate failed.
func (c *Comparison) Failed() bool {
	for _, g := range c.Gates {
		if !g.Pass {
			return true
		}
	}
	return false
}
