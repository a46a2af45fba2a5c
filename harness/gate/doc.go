// Package gate parses, validates and evaluates CI gates: conditions on a
// result's metrics that make `evalctl run` or `evalctl compare` fail.
//
// # Grammar
//
// A gate is one line of text (BNF; terminals are quoted, whitespace
// between tokens is one or more spaces or tabs):
//
//	gate       ::= metric absolute | metric regression
//	absolute   ::= op number
//	op         ::= ">=" | "<=" | ">" | "<" | "=="
//	regression ::= "may" ("drop" | "rise") "at" "most" number [ "if" "significant" ]
//	metric     ::= letter { letter | digit | "_" | "." | "@" | "-" }
//	number     ::= a finite decimal number as strconv.ParseFloat reads it
//	               ("0.85", "1e-3", "-2"); NaN and Inf are rejected
//
// Examples:
//
//	accuracy >= 0.85
//	ece_15 <= 0.05
//	accuracy may drop at most 0.01
//	nll may rise at most 0.02 if significant
//
// An absolute gate checks the candidate's value of the metric. A regression
// gate needs a baseline and is evaluated by harness/compare: "may drop at
// most d" fails when cand − base < −d, "may rise at most d" fails when
// cand − base > d. With "if significant" it fails only when, in addition,
// the paired test on the same examples rejects "no change" at the
// configured level.
//
// # Scope
//
// In YAML a gate is either the expression string or an object
//
//	gates:
//	  - accuracy >= 0.8                 # every model on every task
//	  - expr: ece_15 <= 0.05
//	    task: sst2                      # empty: all tasks
//	    model: distilbert-int8          # empty: all models
//
// and on the command line the object is written with an optional prefix
// "task=NAME model=NAME:" before the expression (see ParseFlag).
//
// # Missing data fails
//
// Unlike k6, where a threshold on a metric without samples passes, a gate
// whose metric is missing, NaN (undefined) or whose scope matches no
// evaluation FAILS, with the reason in result.Gate.Reason. A CI gate that
// silently passes because the metric was never computed is worse than none.
//
// Gates are checked on the "clean" variant of each evaluation. Metric names
// are looked up, in order, in the evaluation's metrics, its fairness
// criteria, and the robustness summaries of the same model and task.
package gate
