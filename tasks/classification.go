package tasks

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// ScoreMode says what a classifier's output holds.
type ScoreMode string

// The score modes.
const (
	// ScoresAuto decides from the output's name ("prob" → probabilities,
	// "logit" → logits) or, failing that, from its first rows: probabilities
	// when every row lies in [0, 1] and sums to 1 within 1e-3.
	ScoresAuto ScoreMode = "auto"
	// ScoresLogits: softmax is applied (sigmoid for a single binary logit).
	ScoresLogits ScoreMode = "logits"
	// ScoresProbabilities: used as they are (a single binary column is P(class 1)).
	ScoresProbabilities ScoreMode = "probabilities"
)

// InvalidPolicy says how NaN/Inf outputs are scored.
type InvalidPolicy string

// The invalid-output policies.
const (
	// InvalidWrong scores the example as wrong: its predicted class is set to
	// a class other than the label and its probabilities to uniform, nudged
	// by 1e-9 towards that class (so its NLL is about log k, its confidence
	// about 1/k, and it counts as wrong for ECE's top label too).
	InvalidWrong InvalidPolicy = "wrong"
	// InvalidExclude leaves the example out of every metric (it is still
	// counted in the evaluation's invalid count).
	InvalidExclude InvalidPolicy = "exclude"
)

// ClassificationConfig configures a classification task.
type ClassificationConfig struct {
	// Classes names the classes; its length is the number of classes.
	Classes []string
	// Output is the model output to read ("" = choose automatically).
	Output  string
	Scores  ScoreMode
	Invalid InvalidPolicy
	// Metrics to report (see Metrics(Classification)).
	Metrics []string
	// Bins and Binning configure the calibration metrics.
	Bins    int
	Binning metrics.Binning
	// Edges is the side calibration bins are closed on (default right).
	Edges metrics.EdgeRule
	// Normalize rescales probability rows to sum to 1; without it a row
	// whose sum is off by more than SumTolerance is an error naming the
	// example.
	Normalize bool
	// Bootstrap settings; Resamples 0 disables intervals.
	Resamples  int
	Confidence float64
	Seed       uint64
}

// Classifier decodes classifier outputs and scores predictions.
type Classifier struct {
	cfg  ClassificationConfig
	mode ScoreMode // resolved mode
	// keyIndex maps ZipMap class keys to class indices.
	keyIndex []int
}

// NewClassifier checks cfg and returns a Classifier.
func NewClassifier(cfg ClassificationConfig) (*Classifier, error) {
	if len(cfg.Classes) < 2 {
		return nil, fmt.Errorf("classification needs at least 2 classes, found %d", len(cfg.Classes))
	}
	if cfg.Scores == "" {
		cfg.Scores = ScoresAuto
	}
	if cfg.Invalid == "" {
		cfg.Invalid = InvalidWrong
	}
	if cfg.Bins == 0 {
		cfg.Bins = metrics.DefaultBins
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = 0.95
	}
	c := &Classifier{cfg: cfg}
	if cfg.Scores != ScoresAuto {
		c.mode = cfg.Scores
	}
	return c, nil
}

// K returns the number of classes.
func (c *Classifier) K() int { return len(c.cfg.Classes) }

// Mode returns the resolved score mode ("" until the first Decode when auto).
func (c *Classifier) Mode() ScoreMode { return c.mode }

// SetMode fixes the score mode, e.g. when predictions come from a cache.
func (c *Classifier) SetMode(m ScoreMode) { c.mode = m }

// PickOutput chooses the output to read among the model's outputs: the
// configured one, else the only one, else the first whose name contains
// "prob" (ZipMap) or "logit", else the first float tensor.
func (c *Classifier) PickOutput(outs []tensor.Info) (string, error) {
	return pickOutput(c.cfg.Output, outs, "prob", "logit")
}

// pickOutput returns the configured output if the model has it, else the
// only output, else the first whose name contains one of prefer (in that
// order), else the first float tensor.
func pickOutput(configured string, outs []tensor.Info, prefer ...string) (string, error) {
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	if configured != "" {
		for _, n := range names {
			if n == configured {
				return n, nil
			}
		}
		return "", fmt.Errorf("model has no output %q (outputs: %s)", configured, strings.Join(names, ", "))
	}
	if len(outs) == 1 {
		return outs[0].Name, nil
	}
	for _, want := range prefer {
		for _, o := range outs {
			if strings.Contains(strings.ToLower(o.Name), want) {
				return o.Name, nil
			}
		}
	}
	for _, o := range outs {
		if o.Kind == tensor.KindTensor && (o.DType == tensor.Float32 || o.DType == tensor.Float64 || o.DType == tensor.Float16) {
			return o.Name, nil
		}
	}
	return "", fmt.Errorf("cannot choose an output among %s; set the task's output", strings.Join(names, ", "))
}

// Decode turns rows [0, rows) of the output tensor into predictions, filling
// Probs, Pred and Invalid of dst[i]. Label, Index and Groups are left as they are.
func (c *Classifier) Decode(out tensor.Tensor, rows int, dst []Prediction) error {
	k := c.K()
	if len(out.Shape) == 0 || out.Shape[0] < int64(rows) {
		return fmt.Errorf("output %q has shape %v, want [%d, ...]", out.Name, out.Shape, rows)
	}
	width := 1
	for _, d := range out.Shape[1:] {
		width *= int(d)
	}
	if out.DType == tensor.String || out.DType == tensor.Invalid {
		return fmt.Errorf("output %q has element type %s; want a float tensor of scores", out.Name, out.DType)
	}
	binary := width == 1
	switch {
	case binary && k != 2:
		return fmt.Errorf("output %q has one score per example but the task has %d classes; a single column is only read as binary", out.Name, k)
	case !binary && width != k:
		return fmt.Errorf("output %q has %d scores per example (shape %v) but the task has %d classes %v", out.Name, width, out.Shape, k, c.cfg.Classes)
	}
	if err := c.mapKeys(out); err != nil {
		return err
	}
	vals := out.Float64s()
	if c.mode == "" {
		c.mode = resolveMode(out.Name, vals[:rows*width], width)
	}
	for i := 0; i < rows; i++ {
		p := &dst[i]
		if len(p.Probs) != k {
			p.Probs = make([]float64, k)
		}
		row := vals[i*width : (i+1)*width]
		p.Invalid = ""
		for _, v := range row {
			if math.IsNaN(v) {
				p.Invalid = "nan"
				break
			}
			if math.IsInf(v, 0) {
				p.Invalid = "inf"
			}
		}
		if p.Invalid != "" {
			for j := range p.Probs {
				p.Probs[j] = math.NaN()
			}
			p.Pred = -1
			continue
		}
		switch {
		case binary && c.mode == ScoresLogits:
			q := 1 / (1 + math.Exp(-row[0]))
			p.Probs[0], p.Probs[1] = 1-q, q
		case binary:
			p.Probs[0], p.Probs[1] = 1-row[0], row[0]
		case c.mode == ScoresLogits:
			metrics.Softmax(p.Probs, row, k, 1)
		default:
			if c.keyIndex != nil {
				for j, v := range row {
					p.Probs[c.keyIndex[j]] = v
				}
			} else {
				copy(p.Probs, row)
			}
			if err := checkRowSum(p, c.cfg.Normalize); err != nil {
				return err
			}
		}
		p.Pred = argmax(p.Probs)
	}
	return nil
}

// mapKeys maps ZipMap keys to class indices: keys equal to class names, or
// integer keys 0..k-1.
func (c *Classifier) mapKeys(out tensor.Tensor) error {
	if out.Keys == nil || c.keyIndex != nil {
		return nil
	}
	idx := make([]int, len(out.Keys))
	byName := map[string]int{}
	for i, n := range c.cfg.Classes {
		byName[n] = i
	}
	for j, key := range out.Keys {
		if i, ok := byName[key]; ok {
			idx[j] = i
			continue
		}
		var v int
		if _, err := fmt.Sscanf(key, "%d", &v); err == nil && v >= 0 && v < c.K() && fmt.Sprint(v) == key {
			idx[j] = v
			continue
		}
		return fmt.Errorf("output %q: class key %q matches no class of %v", out.Name, key, c.cfg.Classes)
	}
	c.keyIndex = idx
	return nil
}

func resolveMode(name string, vals []float64, width int) ScoreMode {
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, "prob"):
		return ScoresProbabilities
	case strings.Contains(l, "logit"):
		return ScoresLogits
	}
	for i := 0; i+width <= len(vals); i += width {
		sum := 0.0
		for _, v := range vals[i : i+width] {
			if v < 0 || v > 1 {
				return ScoresLogits
			}
			sum += v
		}
		if width > 1 && math.Abs(sum-1) > 1e-3 {
			return ScoresLogits
		}
	}
	return ScoresProbabilities
}

func argmax(p []float64) int {
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}

// ErrNoExamples is returned by Score when nothing is left to score.
var ErrNoExamples = errors.New("no examples to score")
