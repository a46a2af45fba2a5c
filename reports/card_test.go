package reports

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evalctl/evalctl/harness/result"
)

// cardFixtures are two hand-made results of the model "small" from two
// suites — a classification suite with every weakness and bias section,
// and an intrinsic-bias suite — plus a second model "large" in the first.
// Numbers are invented but consistent (intervals contain values, gaps are
// best − worst, energy per 1,000 examples is energy / examples × 1000).
func cardFixtures() []*result.Result {
	ci := func(lo, hi float64) *result.CI {
		return &result.CI{Low: result.Float(lo), High: result.Float(hi), Level: 0.95, Resamples: 1000, Method: "percentile bootstrap"}
	}
	m := func(name string, v, lo, hi float64, higher bool) result.Metric {
		return result.Metric{Name: name, Value: result.Float(v), CI: ci(lo, hi), N: 500, HigherIsBetter: higher}
	}
	fig := func(v float64, unit, method string) result.Figure {
		return result.Figure{Value: result.Float(v), Unit: unit, Method: method}
	}
	// 65 W for 2 s: 130 J; carbon 130 / 3.6e6 × 475 = 0.017153 g.
	cpuCost := func(examples int, wall float64) *result.Cost {
		e := 65 * wall
		return &result.Cost{Examples: examples, WallSeconds: wall, CPUSeconds: wall * 1.5,
			CPUEnergy: fig(e, "J", "estimated: 65 W × wall time"), Energy: fig(e, "J", "estimated: 65 W × wall time"),
			Carbon: fig(e/3.6e6*475, "gCO2e", "energy × 475 gCO2e/kWh"), GridIntensity: 475,
			GridSource: "default: world average 2019 (IEA Global Energy and CO2 Status Report 2019), as carbontracker and CodeCarbon use"}
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clean := result.Evaluation{Model: "small", Task: "sst2", Kind: "classification", Dataset: "sst2-dev", Variant: "clean", N: 500,
		Metrics: []result.Metric{m("accuracy", 0.86, 0.83, 0.89, true), m("ece", 0.06, 0.04, 0.08, false), m("nll", 0.41, 0.37, 0.45, false),
			m("aurc", 0.05, 0.04, 0.07, false), m("selective_acc@10", 0.98, 0.94, 1, true),
			{Name: "auroc", Value: result.Float(math.NaN()), N: 500, HigherIsBetter: true, Undefined: "one class present"},
			m("ece_ts", 0.02, 0.01, 0.03, false), m("nll_ts", 0.36, 0.33, 0.40, false)},
		Scoring: &result.Scoring{CalibrationDataset: "sst2-calib"},
		Efficiency: &result.Efficiency{Examples: 500, Batches: 16, BatchSize: 32, WallSeconds: 2, ExamplesPerSecond: 250,
			LatencyMs: result.Latency{P50: 9.5, P90: 11, P99: 14.25}, Parameters: 250000},
		Cost: cpuCost(500, 2),
		Fairness: &result.Fairness{Attributes: []string{"sex"}, MinGroupN: 30,
			Groups: []result.Group{
				{Attribute: "sex", Value: "female", N: 240, Metrics: []result.Metric{m("accuracy", 0.82, 0.77, 0.87, true)}},
				{Attribute: "sex", Value: "male", N: 260, Metrics: []result.Metric{m("accuracy", 0.90, 0.86, 0.94, true)}}},
			Summaries: []result.GroupSummary{{Attribute: "sex", Metric: "accuracy", Worst: "female", WorstValue: 0.82, Best: "male", BestValue: 0.90,
				Difference: 0.08, Ratio: 0.9111, DiffCI: ci(0.02, 0.14)}},
			Criteria: []result.Metric{m("demographic_parity_difference:sex", 0.05, 0.01, 0.09, false)},
			Counterfactual: []result.Counterfactual{{Name: "names-swap",
				FlipRate:    result.Metric{Name: "flip_rate", Value: 0.04, CI: ci(0.02, 0.06), N: 120},
				MetricDelta: result.Metric{Name: "accuracy", Value: -0.01, CI: ci(-0.03, 0.01), N: 500}}}},
	}
	noisy := result.Evaluation{Model: "small", Task: "sst2", Kind: "classification", Dataset: "sst2-dev", Variant: "gaussian_noise@3",
		Perturbation: "gaussian_noise", Severity: 3, N: 500, Metrics: []result.Metric{m("accuracy", 0.70, 0.66, 0.74, true)},
		// A resumed pass: 300 of the 500 predictions came from the cache.
		Cost: func() *result.Cost { c := cpuCost(200, 1); c.CachedExamples = 300; return c }()}
	large := result.Evaluation{Model: "large", Task: "sst2", Kind: "classification", Dataset: "sst2-dev", Variant: "clean", N: 500,
		Metrics: []result.Metric{m("accuracy", 0.91, 0.88, 0.94, true)}}
	a := &result.Result{
		Schema:  result.Schema,
		Run:     result.Run{ID: "run-0001", EvalctlVersion: "v0.2.0", Started: t0, Finished: t0.Add(time.Minute)},
		Suite:   result.Suite{Name: "sentiment", Path: "suites/sentiment.yaml", SHA256: "5e57", Seed: 42},
		Runtime: result.Runtime{ORTVersion: "1.30.0"},
		Models: []result.Model{
			{Name: "small", Path: "small.onnx", SHA256: "aaaa", SizeBytes: 1 << 20, Parameters: 250000, Opset: 17, Producer: "pytorch 2.5", Provider: "cpu",
				Adaptation: &result.Adaptation{Method: "lora", Base: "base-encoder", TrainableParams: 65536, TrainExamples: 67349, Compute: "1 GPU-hour"},
				Card: &result.Card{IntendedUse: "Sentiment of English product reviews.", OutOfScope: []string{"Medical or legal decisions.", "Languages other than English."},
					License: "Apache-2.0", Owners: "ML platform team"}},
			{Name: "large", Path: "large.onnx", SHA256: "bbbb", SizeBytes: 16 << 20, Parameters: 4000000, Provider: "cpu"}},
		Datasets: []result.Dataset{
			{Name: "sst2-dev", Format: "jsonl", Files: []result.File{{Path: "dev.jsonl", SHA256: "d5d5"}}, Examples: 500},
			{Name: "sst2-calib", Format: "jsonl", Files: []result.File{{Path: "calib.jsonl", SHA256: "ca1b"}}, Examples: 200},
			{Name: "sst2-shift", Format: "jsonl", Files: []result.File{{Path: "shift.jsonl", SHA256: "5h1f"}}, Examples: 300}},
		Evaluations: []result.Evaluation{clean, noisy, large},
		Robustness: []result.Robustness{{Model: "small", Task: "sst2", Metric: "accuracy", Clean: result.Metric{Name: "accuracy", Value: 0.86, HigherIsBetter: true},
			Cells: []result.RobustnessCell{{Perturbation: "gaussian_noise", Severity: 1, Value: 0.80, CI: ci(0.76, 0.84)}, {Perturbation: "gaussian_noise", Severity: 3, Value: 0.70, CI: ci(0.66, 0.74)},
				{Perturbation: "typo", Severity: 1, Value: 0.84}, {Perturbation: "typo", Severity: 3, Value: 0.78}},
			Summary: []result.Metric{{Name: "ood:sst2-shift", Value: 0.75, HigherIsBetter: true}, m("id_ood_gap:sst2-shift", 0.11, 0.06, 0.16, false)}}},
	}
	gpu := result.Figure{Value: result.Float(math.NaN()), Unit: "J", Absent: "NVML not available: libnvidia-ml.so.1: cannot open shared object file"}
	pp := result.Evaluation{Model: "small", Task: "crows", Kind: "pair_preference", Dataset: "crows-pairs", Variant: "clean", N: 1508,
		Metrics: []result.Metric{m("pct_stereotype", 0.57, 0.545, 0.595, false)},
		Cost: &result.Cost{Examples: 1508, WallSeconds: 30, CPUSeconds: 31, CPUEnergy: fig(900, "J", "measured: rapl"), GPUEnergy: &gpu,
			Energy: result.Figure{Value: result.Float(math.NaN()), Unit: "J", Absent: "GPU energy absent: " + gpu.Absent},
			Carbon: result.Figure{Value: result.Float(math.NaN()), Unit: "gCO2e", Absent: "energy absent"}, GridIntensity: 56, GridSource: "suite cost.grid_intensity"}}
	weat := result.Evaluation{Model: "small", Task: "weat6", Kind: "weat", Dataset: "weat-words", Variant: "clean", N: 32,
		Metrics: []result.Metric{m("effect_size", 0.9, 0.4, 1.3, false), {Name: "p_value", Value: 0.01, N: 32}},
		// 12 J over 32 words: 375 J per 1,000 (by hand).
		Cost: &result.Cost{Examples: 32, WallSeconds: 0.5, CPUSeconds: 0.4, CPUEnergy: fig(12, "J", "measured: rapl"), Energy: fig(12, "J", "measured: rapl"),
			Carbon: fig(12/3.6e6*56, "gCO2e", "energy × 56 gCO2e/kWh"), GridIntensity: 56, GridSource: "suite cost.grid_intensity"}}
	// Privacy: a loss attack and an extraction task on the same model.
	mia := result.Evaluation{Model: "small", Task: "mia", Kind: "membership_inference", Dataset: "train-250", Variant: "clean", N: 500,
		Metrics: []result.Metric{m("membership_auc", 0.70, 0.65, 0.75, false)},
		Privacy: &result.Privacy{Attack: "loss", Members: "train-250", NonMembers: "heldout-250", MembersN: 250, NonMembersN: 250}}
	ext := result.Evaluation{Model: "small", Task: "memorisation", Kind: "extraction", Dataset: "train-text", Variant: "clean", N: 200,
		Metrics: []result.Metric{m("extraction_rate", 0.02, 0.005, 0.04, false)}}
	b := &result.Result{
		Schema:  result.Schema,
		Run:     result.Run{ID: "run-0002", EvalctlVersion: "v0.2.0", Started: t0.Add(time.Hour), Finished: t0.Add(2 * time.Hour)},
		Suite:   result.Suite{Name: "bias", Path: "suites/bias.yaml", SHA256: "b1a5", Seed: 7},
		Runtime: result.Runtime{ORTVersion: "1.29.0"},
		Models:  []result.Model{{Name: "small", Path: "small.onnx", SHA256: "aaaa", SizeBytes: 1 << 20, Parameters: 250000, Provider: "cuda"}},
		Datasets: []result.Dataset{
			{Name: "crows-pairs", Format: "csv", Files: []result.File{{Path: "crows.csv", SHA256: "c5c5"}}, Examples: 1508},
			{Name: "weat-words", Format: "jsonl", Files: []result.File{{Path: "weat6.jsonl", SHA256: "3ea7"}}, Examples: 32}},
		Evaluations: []result.Evaluation{pp, weat, mia, ext},
	}
	return []*result.Result{a, b}
}

func TestCardGolden(t *testing.T) {
	cards, err := BuildCards(cardFixtures(), "")
	require.NoError(t, err)
	require.Len(t, cards, 2)
	assert.Equal(t, "small", cards[0].Model)
	assert.Equal(t, 2, cards[0].Results, "the two suites' results merge into one card")
	assert.Equal(t, "large", cards[1].Model)

	var b bytes.Buffer
	require.NoError(t, WriteCardMarkdown(&b, cards))
	golden(t, "card.md.golden", b.Bytes())
	s := b.String()
	// Calibration before and after temperature scaling, side by side.
	assert.Contains(t, s, "| sentiment | sst2 | ece | 0.0600 [0.0400, 0.0800] | 0.0200 [0.0100, 0.0300] |")
	// Worst corruption cell first: gaussian_noise@3, drop 0.86 − 0.70 = 0.16.
	assert.Contains(t, s, "| sentiment | sst2 | accuracy | gaussian_noise | 3 | 0.7000 [0.6600, 0.7400] | 0.8600 | 0.1600 |")
	// Cost of sst2, all variants: 500 + 200 examples computed, 130 + 65 J;
	// per 1,000: 195 / 700 × 1000 = 278.6 J; carbon 195 / 3.6e6 × 475 g = 25.73 mg.
	assert.Contains(t, s, "| sentiment | sst2 | 700 (+300 cached) | 3.00 | 4.50 | 195 J | 278.6 J | 25.73 mgCO2e | estimated: 65 W × wall time |")
	// WEAT: 12 J over 32 examples = 375 J per 1,000.
	assert.Contains(t, s, "| bias | weat6 | 32 | 0.50 | 0.40 | 12 J | 375 J |")
	// An absent figure says why.
	assert.Contains(t, s, "absent: GPU energy absent: NVML not available")

	b.Reset()
	require.NoError(t, WriteCardHTML(&b, cards))
	golden(t, "card.html.golden", b.Bytes())
	h := b.String()
	assert.NotContains(t, h, "<script")
	for _, cls := range []string{"model", "intended-use", "adaptation", "data", "abilities", "weaknesses", "biases", "cost", "provenance"} {
		assert.Equal(t, 2, bytes.Count(b.Bytes(), []byte(`<section class="`+cls+`">`)), cls)
	}
}

func TestBuildCardsErrors(t *testing.T) {
	rs := cardFixtures()
	cards, err := BuildCards(rs, "large")
	require.NoError(t, err)
	require.Len(t, cards, 1)
	assert.Equal(t, "large", cards[0].Model)

	_, err = BuildCards(rs, "medium")
	assert.EqualError(t, err, `model "medium" is in none of the results (models: small, large)`)

	rs[1].Models[0].SHA256 = "ffff"
	_, err = BuildCards(rs, "")
	assert.EqualError(t, err, `model "small" is a different file in result 2 (sha256 ffff) than in result 1 (sha256 aaaa); rename one to make separate cards`)
}

// TestCardEmptySections: a model without adaptation, card text, groups,
// perturbations or cost says so in each section.
func TestCardEmptySections(t *testing.T) {
	cards, err := BuildCards(cardFixtures()[:1], "large")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteCardMarkdown(&b, cards))
	s := b.String()
	for _, want := range []string{"_Not stated: add a card mapping", "_No adaptation recorded", "_Not measured: the suites declare no fairness groups, perturbations",
		"_Not measured: the suites declare no fairness groups, counterfactual", "_No efficiency or cost figures"} {
		assert.Contains(t, s, want)
	}
}

func TestFormatters(t *testing.T) {
	cases := []struct{ got, want string }{
		{fmtJoules(195), "195 J"}, {fmtJoules(12_345), "12.35 kJ"}, {fmtJoules(2.5e6), "2.5 MJ"},
		{fmtGrams(0.025729), "25.73 mgCO2e"}, {fmtGrams(3), "3 gCO2e"}, {fmtGrams(1500), "1.5 kgCO2e"},
		{fmtCount(65536), "65,536"}, {fmtCount(-1234567), "-1,234,567"}, {fmtCount(12), "12"},
		{fmtBytes(1 << 20), "1.0 MiB"}, {fmtBytes(512), "512 B"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.got)
	}
}
