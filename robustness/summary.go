package robustness

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Table holds one metric for clean data and for each perturbation ×
// severity. Values[name][s-1] is the metric under perturbation name at
// severity s; a perturbation may have fewer than MaxSeverity severities but
// not more. The metric is whatever the caller measured (accuracy, error
// rate, F1); drops assume higher is better.
type Table struct {
	// Clean is the metric on unperturbed data.
	Clean float64
	// Values maps a perturbation name to its metric per severity.
	Values map[string][]float64
}

// Names returns the perturbation names in the table, sorted.
func (t Table) Names() []string {
	out := make([]string, 0, len(t.Values))
	for n := range t.Values {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// PerturbationMean returns the mean of the metric over the severities of
// one perturbation:
//
//	mean_s Values[name][s]
func (t Table) PerturbationMean(name string) (float64, error) {
	v, ok := t.Values[name]
	if !ok {
		return math.NaN(), fmt.Errorf("perturbation %q not in table (have %v)", name, t.Names())
	}
	if len(v) == 0 || len(v) > MaxSeverity {
		return math.NaN(), fmt.Errorf("perturbation %q has %d severities, want 1..%d", name, len(v), MaxSeverity)
	}
	return mean(v), nil
}

// Mean returns the mean over a corruption set of the per-perturbation mean
// over severities (the "mean corruption accuracy" of CIFAR-10-C and
// RobustBench when every perturbation has all 5 severities):
//
//	(1/|set|) Σ_{c∈set} mean_s Values[c][s]
//
// If names is nil, the set is every perturbation in the table. An unknown
// name or an empty set is an error.
func (t Table) Mean(names []string) (float64, error) {
	if names == nil {
		names = t.Names()
	}
	if len(names) == 0 {
		return math.NaN(), errors.New("mean over an empty corruption set")
	}
	var sum float64
	for _, n := range names {
		m, err := t.PerturbationMean(n)
		if err != nil {
			return math.NaN(), err
		}
		sum += m
	}
	return sum / float64(len(names)), nil
}

// ErrorRates returns a copy of an accuracy table as error rates, 1 − value,
// for MCE.
func (t Table) ErrorRates() Table {
	out := Table{Clean: 1 - t.Clean, Values: make(map[string][]float64, len(t.Values))}
	for n, v := range t.Values {
		e := make([]float64, len(v))
		for i, x := range v {
			e[i] = 1 - x
		}
		out.Values[n] = e
	}
	return out
}

// Drop is the fall of a higher-is-better metric from a reference value.
type Drop struct {
	// Absolute is reference − shifted.
	Absolute float64
	// Relative is (reference − shifted) / reference; NaN when reference is 0.
	Relative float64
}

// DropFrom returns the absolute and relative drop of a metric from clean to
// perturbed:
//
//	Absolute = clean − perturbed
//	Relative = (clean − perturbed) / clean
//
// For a lower-is-better metric (error, NLL) the drop is negative when the
// model gets worse; negate both values to read it as a rise.
func DropFrom(clean, perturbed float64) Drop {
	d := Drop{Absolute: clean - perturbed, Relative: math.NaN()}
	if clean != 0 {
		d.Relative = d.Absolute / clean
	}
	return d
}

// Gap returns the in-distribution vs out-of-distribution gap of a metric,
// DropFrom(id, ood): Absolute = id − ood, Relative = (id − ood) / id.
func Gap(id, ood float64) Drop { return DropFrom(id, ood) }

// WorstCase returns, for each example i, the worst score over the original
// and every perturbed version, as HELM's worst-case robustness (Liang et
// al. 2022, compute_worst_case_metrics):
//
//	w_i = min(original_i, perturbed[0]_i, …, perturbed[k-1]_i)
//
// Its mean is the worst-case metric; the per-example vector is returned so
// the caller can bootstrap it. Scores must be higher-is-better. A NaN score
// makes that example's result NaN. All slices must have the same length.
func WorstCase(original []float64, perturbed ...[]float64) ([]float64, error) {
	if err := checkLens(len(original), perturbedLens(perturbed)); err != nil {
		return nil, err
	}
	out := slices.Clone(original)
	for _, p := range perturbed {
		for i, v := range p {
			if math.IsNaN(v) || v < out[i] {
				out[i] = v
			}
		}
	}
	return out, nil
}

// WorstCaseCorrect is WorstCase for correctness: 1 for example i if it is
// correct originally and under every perturbation, else 0. Its mean is
// HELM's worst-case accuracy.
func WorstCaseCorrect(original []bool, perturbed ...[]bool) ([]float64, error) {
	lens := make([]int, len(perturbed))
	for k, p := range perturbed {
		lens[k] = len(p)
	}
	if err := checkLens(len(original), lens); err != nil {
		return nil, err
	}
	out := make([]float64, len(original))
	for i, ok := range original {
		for _, p := range perturbed {
			ok = ok && p[i]
		}
		if ok {
			out[i] = 1
		}
	}
	return out, nil
}

// Consistent returns, for each example i, 1 if its prediction is the same
// under every perturbation as on the original, else 0 — the invariance
// (INV) test of CheckList (Ribeiro et al. 2020), where a test case fails if
// any perturbed prediction differs. Labels are not needed.
func Consistent(original []int, perturbed ...[]int) ([]float64, error) {
	lens := make([]int, len(perturbed))
	for k, p := range perturbed {
		lens[k] = len(p)
	}
	if err := checkLens(len(original), lens); err != nil {
		return nil, err
	}
	out := make([]float64, len(original))
	for i, o := range original {
		same := true
		for _, p := range perturbed {
			same = same && p[i] == o
		}
		if same {
			out[i] = 1
		}
	}
	return out, nil
}

// Outcome is one evaluation of a set of examples — the clean data or one
// perturbed variant — position by position, as the worst-case and
// consistency summaries need it. Every Outcome compared must hold the same
// examples in the same order.
type Outcome struct {
	// Pred is the predicted class at each position, or -1 for an invalid
	// output (NaN or Inf), which is never consistent.
	Pred []int
	// Correct is Pred = label at each position (false for an invalid
	// output).
	Correct []bool
	// Scored is false where the output is left out of every summary (an
	// invalid output under an "exclude" policy); nil means every position
	// is scored.
	Scored []bool
}

func (o Outcome) scored(j int) bool { return o.Scored == nil || o.Scored[j] }

func (o Outcome) check(n int, what string) error {
	if len(o.Pred) != n || len(o.Correct) != n || (o.Scored != nil && len(o.Scored) != n) {
		return fmt.Errorf("%s has %d predictions, %d correctness flags and %d scored flags; want %d each (the same examples as the clean data)",
			what, len(o.Pred), len(o.Correct), len(o.Scored), n)
	}
	return nil
}

// PairConsistent reports whether, at position j, the variant's predicted
// class equals the clean one (never when either output is invalid), and
// whether the pair counts at all (not when either position is left out).
func PairConsistent(clean, variant Outcome, j int) (same, counted bool) {
	if !clean.scored(j) || !variant.scored(j) {
		return false, false
	}
	return clean.Pred[j] >= 0 && clean.Pred[j] == variant.Pred[j], true
}

// ConsistencyTerms returns one term per counted (example, variant) pair of
// one variant: 1 where its predicted class equals the clean one, else 0
// (PairConsistent). Their mean is the variant's consistency.
func ConsistencyTerms(clean, variant Outcome) ([]float64, error) {
	n := len(clean.Pred)
	if err := clean.check(n, "clean data"); err != nil {
		return nil, err
	}
	if err := variant.check(n, "variant"); err != nil {
		return nil, err
	}
	var terms []float64
	for j := range n {
		if same, counted := PairConsistent(clean, variant, j); counted {
			terms = append(terms, b2f(same))
		}
	}
	return terms, nil
}

// PerExample holds the per-example terms of the worst-case and consistency
// summaries over the clean data and a set of variants, for the caller to
// average and bootstrap.
type PerExample struct {
	// WorstCase is 1 where the example is correct in every version it is
	// scored in (clean and each variant; HELM's worst case, Liang et al.
	// 2022), 0 where it is wrong in one, NaN where no version is scored.
	WorstCase []float64
	// ConsistentPairs and CountedPairs count, per example, the variants
	// whose predicted class equals the clean one and the variants whose
	// pair counts (PairConsistent). Σ ConsistentPairs / Σ CountedPairs is
	// the pair-level consistency.
	ConsistentPairs, CountedPairs []float64
	// AllConsistent is 1 where every counted pair is consistent (CheckList
	// INV, Ribeiro et al. 2020), 0 where one is not, NaN where none counts.
	AllConsistent []float64
}

// WorstCaseConsistency computes the per-example worst case and consistency
// of the clean data against every variant. A position left out (Scored
// false) neither lowers the worst case nor counts as a pair. An error names
// a variant that does not hold the clean data's examples.
func WorstCaseConsistency(clean Outcome, variants []Outcome) (PerExample, error) {
	n := len(clean.Pred)
	if n == 0 {
		return PerExample{}, errors.New("no examples")
	}
	if err := clean.check(n, "clean data"); err != nil {
		return PerExample{}, err
	}
	neutral := func(o Outcome) []bool { // correct, or left out (does not lower a minimum)
		out := make([]bool, n)
		for j, ok := range o.Correct {
			out[j] = ok || !o.scored(j)
		}
		return out
	}
	per := make([][]bool, len(variants))
	for k, v := range variants {
		if err := v.check(n, fmt.Sprintf("variant %d", k)); err != nil {
			return PerExample{}, err
		}
		per[k] = neutral(v)
	}
	wc, err := WorstCaseCorrect(neutral(clean), per...)
	if err != nil {
		return PerExample{}, err
	}
	out := PerExample{WorstCase: wc, ConsistentPairs: make([]float64, n), CountedPairs: make([]float64, n), AllConsistent: make([]float64, n)}
	for j := range n {
		if !clean.scored(j) && !slices.ContainsFunc(variants, func(v Outcome) bool { return v.scored(j) }) {
			out.WorstCase[j] = math.NaN()
		}
		for _, v := range variants {
			if same, counted := PairConsistent(clean, v, j); counted {
				out.CountedPairs[j]++
				out.ConsistentPairs[j] += b2f(same)
			}
		}
		switch {
		case out.CountedPairs[j] == 0:
			out.AllConsistent[j] = math.NaN()
		case out.ConsistentPairs[j] == out.CountedPairs[j]:
			out.AllConsistent[j] = 1
		}
	}
	return out, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// CEResult holds corruption errors relative to a baseline model.
type CEResult struct {
	// CE is CE_c per corruption.
	CE map[string]float64
	// MCE is mean_c CE_c (1 = as robust as the baseline; ImageNet-C
	// papers print it ×100 as a percentage).
	MCE float64
	// RelativeCE is the relative corruption error per corruption.
	RelativeCE map[string]float64
	// RelativeMCE is mean_c RelativeCE_c.
	RelativeMCE float64
}

// MCE computes the corruption errors of Hendrycks & Dietterich (2019)
// against a baseline model (AlexNet in ImageNet-C). Both tables hold error
// rates (see Table.ErrorRates), with E_{s,c} = Values[c][s-1] and E_clean =
// Clean:
//
//	CE_c          = Σ_s E_{s,c} / Σ_s E^base_{s,c}
//	mCE           = mean_c CE_c
//	RelativeCE_c  = Σ_s (E_{s,c} − E_clean) / Σ_s (E^base_{s,c} − E^base_clean)
//	relative mCE  = mean_c RelativeCE_c
//
// The corruptions are those of model; each must be in baseline with the
// same number of severities. A zero denominator is an error naming the
// corruption.
func MCE(model, baseline Table) (CEResult, error) {
	names := model.Names()
	if len(names) == 0 {
		return CEResult{}, errors.New("mce: model table has no corruptions")
	}
	res := CEResult{CE: map[string]float64{}, RelativeCE: map[string]float64{}}
	for _, c := range names {
		m := model.Values[c]
		b, ok := baseline.Values[c]
		if !ok {
			return CEResult{}, fmt.Errorf("mce: corruption %q missing from baseline (baseline has %v)", c, baseline.Names())
		}
		if len(m) != len(b) || len(m) == 0 {
			return CEResult{}, fmt.Errorf("mce: corruption %q has %d severities for the model and %d for the baseline", c, len(m), len(b))
		}
		var num, den, rnum, rden float64
		for s := range m {
			num += m[s]
			den += b[s]
			rnum += m[s] - model.Clean
			rden += b[s] - baseline.Clean
		}
		if den == 0 {
			return CEResult{}, fmt.Errorf("mce: corruption %q: baseline errors sum to 0", c)
		}
		if rden == 0 {
			return CEResult{}, fmt.Errorf("mce: corruption %q: baseline errors equal its clean error (relative CE undefined)", c)
		}
		res.CE[c] = num / den
		res.RelativeCE[c] = rnum / rden
		res.MCE += res.CE[c]
		res.RelativeMCE += res.RelativeCE[c]
	}
	res.MCE /= float64(len(names))
	res.RelativeMCE /= float64(len(names))
	return res, nil
}

func perturbedLens(p [][]float64) []int {
	out := make([]int, len(p))
	for k, v := range p {
		out[k] = len(v)
	}
	return out
}

func checkLens(n int, lens []int) error {
	if n == 0 {
		return errors.New("no examples")
	}
	for k, l := range lens {
		if l != n {
			return fmt.Errorf("perturbed set %d has %d examples, original has %d", k, l, n)
		}
	}
	return nil
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// PublishedBaseline holds a baseline model's published error rates, given
// as numbers instead of a model evaluated in the same run: Hendrycks &
// Dietterich (2019) normalise ImageNet-C's corruption errors by AlexNet's.
type PublishedBaseline struct {
	// Errors maps a corruption to the baseline's error rates: one number,
	// its mean over severities 1–5 (as published: AlexNet's Gaussian noise
	// error is 0.886428), or five, one per severity.
	Errors map[string][]float64
	// Clean is the baseline's clean error rate, for relative mCE; NaN when
	// not given (relative mCE is then NaN).
	Clean float64
}

// MCEPublished computes the corruption errors of a model against published
// baseline errors. model holds error rates (see Table.ErrorRates) with all
// MaxSeverity severities of every corruption, in severity order. With
// E_{s,c} the model's error and B_c the baseline's mean error over
// severities (or the mean of its five per-severity errors):
//
//	CE_c          = Σ_s E_{s,c} / Σ_s B_{s,c}  = mean_s E_{s,c} / B_c
//	mCE           = mean_c CE_c
//	RelativeCE_c  = (mean_s E_{s,c} − E_clean) / (B_c − B_clean)
//	relative mCE  = mean_c RelativeCE_c
//
// which is MCE with a baseline table whose every severity holds B_c, as
// AugMix's and the ImageNet-C papers' evaluation scripts compute it
// (ce = mean error / ALEXNET_ERR[c]). The corruptions are the model's;
// each must have a baseline entry. Errors name the corruption.
func MCEPublished(model Table, base PublishedBaseline) (CEResult, error) {
	names := model.Names()
	if len(names) == 0 {
		return CEResult{}, errors.New("mce: model table has no corruptions")
	}
	bt := Table{Clean: base.Clean, Values: make(map[string][]float64, len(names))}
	for _, c := range names {
		if n := len(model.Values[c]); n != MaxSeverity {
			return CEResult{}, fmt.Errorf("mce: corruption %q has %d severities; published baseline errors are over severities 1–%d, so all %d are needed",
				c, n, MaxSeverity, MaxSeverity)
		}
		b, ok := base.Errors[c]
		if !ok {
			have := make([]string, 0, len(base.Errors))
			for k := range base.Errors {
				have = append(have, k)
			}
			slices.Sort(have)
			return CEResult{}, fmt.Errorf("mce: corruption %q has no published baseline error (baseline errors given for %v)", c, have)
		}
		switch len(b) {
		case 1:
			row := make([]float64, MaxSeverity)
			for s := range row {
				row[s] = b[0]
			}
			bt.Values[c] = row
		case MaxSeverity:
			bt.Values[c] = b
		default:
			return CEResult{}, fmt.Errorf("mce: corruption %q has %d published baseline errors; want 1 (the mean over severities) or %d (one per severity)", c, len(b), MaxSeverity)
		}
	}
	clean := base.Clean
	if math.IsNaN(clean) {
		bt.Clean = 0 // any value: the relative figures are replaced below
	}
	res, err := MCE(model, bt)
	if err != nil {
		return CEResult{}, err
	}
	if math.IsNaN(clean) {
		res.RelativeMCE = math.NaN()
		for c := range res.RelativeCE {
			res.RelativeCE[c] = math.NaN()
		}
	}
	return res, nil
}
