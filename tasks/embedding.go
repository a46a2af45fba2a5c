package tasks

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks/tensor"
)

// The intrinsic task kinds on representations (docs/embeddings.md).
const (
	// Probe fits classifiers (logistic regression, kNN, nearest centroid) on
	// a model's frozen embeddings of a train split and scores them on the
	// task's dataset like any classifier.
	Probe Kind = "probe"
	// Retrieval ranks a corpus by cosine similarity of embeddings for each
	// query and scores the rankings against graded relevance judgements.
	Retrieval Kind = "retrieval"
	// WEAT runs the Word Embedding Association Test on embeddings of word
	// sets (Caliskan et al. 2017).
	WEAT Kind = "weat"
)

// RetrievalMetrics are the metric names of the retrieval kind (from the
// metric table).
var RetrievalMetrics = metrics.ForKind(string(Retrieval), metrics.ScopeTask)

func init() {
	kinds[Probe] = kindInfo{defaults: kinds[Classification].defaults}
	kinds[Retrieval] = kindInfo{defaults: []string{"ndcg@10", "mrr@10", "recall@10", "recall@100"}}
	kinds[WEAT] = kindInfo{defaults: []string{"effect_size", "p_value"}}
}

// IsEmbedding reports whether kind reads representations (probe, retrieval, weat).
func IsEmbedding(kind string) bool {
	switch Kind(kind) {
	case Probe, Retrieval, WEAT:
		return true
	}
	return false
}

// Pooling says how a [batch, tokens, dim] output becomes one vector per example.
type Pooling string

// The poolings.
const (
	// PoolNone uses a [batch, dim] output as it is (pooler_output, or an
	// encoder's embedding output).
	PoolNone Pooling = "none"
	// PoolCLS takes the first token's vector (BERT's [CLS]).
	PoolCLS Pooling = "cls"
	// PoolMean averages the vectors of the tokens whose attention mask is 1
	// (sentence-transformers' mean pooling): Σ_t m_t h_t / max(Σ_t m_t, 1e-9).
	PoolMean Pooling = "mean"
	// PoolMax takes the element-wise maximum over tokens whose mask is 1.
	PoolMax Pooling = "max"
)

// Poolings lists the valid pooling names.
var Poolings = []string{string(PoolNone), string(PoolCLS), string(PoolMean), string(PoolMax)}

// Pool turns rows [0, rows) of a representation output into one vector per
// example, appended to dst. data holds the output row-major with the given
// shape: [batch, dim] (only PoolNone, or any pooling, which is then the
// identity) or [batch, tokens, dim]. mask, when not nil, is the
// [batch, tokens] attention mask (nil means every token counts). With
// normalize, each vector is divided by its L2 norm (a zero vector stays zero).
func Pool(dst Matrix, data []float32, shape []int64, mask []int64, rows int, mode Pooling, normalize bool) (Matrix, error) {
	var b, t, d int
	switch len(shape) {
	case 2:
		b, t, d = int(shape[0]), 1, int(shape[1])
	case 3:
		b, t, d = int(shape[0]), int(shape[1]), int(shape[2])
		if mode == PoolNone {
			return dst, fmt.Errorf("output has shape [%d, %d, %d] (per token); choose pooling cls, mean or max", b, t, d)
		}
	default:
		return dst, fmt.Errorf("representation output has %d dimensions, want 2 ([batch, dim]) or 3 ([batch, tokens, dim])", len(shape))
	}
	if d < 1 || rows > b || len(data) < b*t*d {
		return dst, fmt.Errorf("output shape %v with %d values does not hold %d rows", shape, len(data), rows)
	}
	if dst.D == 0 {
		dst.D = d
	}
	if dst.D != d {
		return dst, fmt.Errorf("embedding dimension changed from %d to %d", dst.D, d)
	}
	if mask != nil && len(mask) < b*t {
		return dst, fmt.Errorf("attention mask has %d values, want %d×%d", len(mask), b, t)
	}
	on := func(i, j int) bool { return mask == nil || mask[i*t+j] != 0 }
	for i := 0; i < rows; i++ {
		start := len(dst.Data)
		dst.Data = slices.Grow(dst.Data, d)[:start+d]
		v := dst.Data[start:]
		base := data[i*t*d : (i+1)*t*d]
		switch {
		case len(shape) == 2 || mode == PoolCLS:
			copy(v, base[:d])
		case mode == PoolMean:
			acc := make([]float64, d)
			cnt := 0.0
			for j := 0; j < t; j++ {
				if !on(i, j) {
					continue
				}
				cnt++
				for c, x := range base[j*d : (j+1)*d] {
					acc[c] += float64(x)
				}
			}
			cnt = math.Max(cnt, 1e-9)
			for c := range v {
				v[c] = float32(acc[c] / cnt)
			}
		case mode == PoolMax:
			for c := range v {
				v[c] = float32(math.Inf(-1))
			}
			any := false
			for j := 0; j < t; j++ {
				if !on(i, j) {
					continue
				}
				any = true
				for c, x := range base[j*d : (j+1)*d] {
					if x > v[c] {
						v[c] = x
					}
				}
			}
			if !any {
				clear(v)
			}
		default:
			return dst, fmt.Errorf("unknown pooling %q (want one of none, cls, mean, max)", mode)
		}
		if normalize {
			Normalize(v)
		}
		dst.N++
	}
	return dst, nil
}

// Normalize divides v by its L2 norm in place; a zero vector is left alone.
func Normalize(v []float32) {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range v {
		v[i] = float32(float64(x) * inv)
	}
}

// ProbeConfig configures [FitProbe].
type ProbeConfig struct {
	// Cs are the inverse regularisation strengths tried for logreg; the one
	// with the best validation accuracy wins (ties: the smaller C, the
	// stronger regularisation). Default 0.01, 0.1, 1, 10, 100.
	Cs []float64
	// Neighbors is kNN's k (default 10). When NeighborsGrid is set and
	// there is a validation split, k is chosen on it among the grid.
	Neighbors     int
	NeighborsGrid []int
	// MaxIter bounds L-BFGS iterations per fit (default 1000).
	MaxIter int
}

// DefaultCs is the default logistic-regression C grid.
var DefaultCs = []float64{0.01, 0.1, 1, 10, 100}

// DefaultNeighbors is kNN's default k.
const DefaultNeighbors = 10

// ProbeFit is a fitted probe and how it was chosen.
type ProbeFit struct {
	Probe FittedProbe
	// Selected holds the chosen hyper-parameter ("C" or "k") and Validation
	// the validation accuracy of each candidate, in grid order.
	Selected   map[string]float64
	Grid       []float64
	Validation []float64
}

// ProbeMethod names a probe fitted on frozen embeddings, as written in
// suites (probe.methods).
type ProbeMethod string

// The probe methods.
const (
	// ProbeLogReg is multinomial logistic regression (LogReg).
	ProbeLogReg ProbeMethod = "logreg"
	// ProbeKNN is k nearest neighbours by cosine similarity (KNN).
	ProbeKNN ProbeMethod = "knn"
	// ProbeCentroid is the nearest class centroid (Centroid).
	ProbeCentroid ProbeMethod = "centroid"
)

// FitProbe fits a probe of the given method (ProbeLogReg, ProbeKNN, ProbeCentroid)
// on (train, ytrain), choosing its hyper-parameter on (val, yval). With an
// empty validation split logreg uses C = 1, kNN k = Neighbors and the
// centroid temperature stays 1.
func FitProbe(method ProbeMethod, train Matrix, ytrain []int, val Matrix, yval []int, k int, cfg ProbeConfig) (*ProbeFit, error) {
	fit := &ProbeFit{Selected: map[string]float64{}}
	switch method {
	case ProbeLogReg:
		cs := cfg.Cs
		if len(cs) == 0 {
			cs = DefaultCs
		}
		if val.N == 0 {
			cs = []float64{1}
		}
		// Fit from strong to weak regularisation, warm-starting each fit
		// from the previous solution.
		order := append([]float64(nil), cs...)
		slices.Sort(order)
		var best *LogReg
		bestAcc := math.Inf(-1)
		var init []float64
		accBy := map[float64]float64{}
		for _, c := range order {
			lr, err := FitLogReg(train, ytrain, k, LogRegConfig{C: c, MaxIter: cfg.MaxIter, Init: init})
			if err != nil {
				return nil, err
			}
			init = lr.Coef
			if val.N == 0 {
				best = lr
				break
			}
			acc := Accuracy(lr.PredictProba(val, nil), k, yval)
			accBy[c] = acc
			if acc > bestAcc {
				best, bestAcc = lr, acc
			}
		}
		for _, c := range cs {
			if a, ok := accBy[c]; ok {
				fit.Grid, fit.Validation = append(fit.Grid, c), append(fit.Validation, a)
			}
		}
		fit.Probe, fit.Selected["C"] = best, best.C
	case ProbeKNN:
		grid := cfg.NeighborsGrid
		if len(grid) == 0 || val.N == 0 {
			n := cfg.Neighbors
			if n == 0 {
				n = DefaultNeighbors
			}
			grid = []int{n}
		}
		var best *KNN
		bestAcc := math.Inf(-1)
		for _, n := range grid {
			m, err := FitKNN(train, ytrain, k, n)
			if err != nil {
				return nil, err
			}
			if len(grid) == 1 {
				best = m
				break
			}
			acc := Accuracy(m.PredictProba(val, nil), k, yval)
			fit.Grid, fit.Validation = append(fit.Grid, float64(n)), append(fit.Validation, acc)
			if acc > bestAcc {
				best, bestAcc = m, acc
			}
		}
		fit.Probe, fit.Selected["k"] = best, float64(best.N)
	case ProbeCentroid:
		c, err := FitCentroid(train, ytrain, k)
		if err != nil {
			return nil, err
		}
		if err := c.FitTemperature(val, yval); err != nil {
			return nil, err
		}
		fit.Probe, fit.Selected["T"] = c, c.T
	default:
		return nil, fmt.Errorf("unknown probe method %q (want logreg, knn or centroid)", method)
	}
	return fit, nil
}

// ProbeMethods lists the probe methods.
var ProbeMethods = []string{string(ProbeLogReg), string(ProbeKNN), string(ProbeCentroid)}

// KShotPoint is one point of a k-shot learning curve.
type KShotPoint struct {
	// Shots is examples per class (0: all).
	Shots int
	// Accuracy over seeds: mean and Student-t interval; Values per seed.
	Mean, Low, High float64
	Values          []float64
	// Correct holds, per seed, 1 for each test example the probe predicted
	// correctly and 0 otherwise (Values are their means).
	Correct [][]float64
	// TrainExamples is the number of training examples at this point
	// (seed 0's; classes with fewer examples contribute all they have).
	TrainExamples int
}

// KShotCurve fits the probe on k examples per class of the train split for
// each k in shots (0 = all) and each of seeds seeds, and reports test
// accuracy with a Student-t interval at level over seeds. The validation
// split selects hyper-parameters as in FitProbe. "all" is fitted once.
func KShotCurve(method ProbeMethod, train Matrix, ytrain []int, val Matrix, yval []int, test Matrix, ytest []int, k int,
	shots []int, seeds int, seed uint64, level float64, cfg ProbeConfig) ([]KShotPoint, error) {
	var out []KShotPoint
	for _, s := range shots {
		pt := KShotPoint{Shots: s}
		ns := seeds
		if s <= 0 {
			ns = 1
		}
		for r := 0; r < ns; r++ {
			idx := SampleShots(ytrain, k, s, seed+uint64(r)*0x9e3779b97f4a7c15)
			if r == 0 {
				pt.TrainExamples = len(idx)
			}
			ys := make([]int, len(idx))
			for j, i := range idx {
				ys[j] = ytrain[i]
			}
			fit, err := FitProbe(method, train.Subset(idx), ys, val, yval, k, cfg)
			if err != nil {
				return nil, fmt.Errorf("%d-shot, seed %d: %w", s, r, err)
			}
			probs := fit.Probe.PredictProba(test, nil)
			pt.Values = append(pt.Values, Accuracy(probs, k, ytest))
			correct := make([]float64, len(ytest))
			for i, c := range ytest {
				if argmax(probs[i*k:(i+1)*k]) == c {
					correct[i] = 1
				}
			}
			pt.Correct = append(pt.Correct, correct)
		}
		pt.Mean, pt.Low, pt.High = MeanCI(pt.Values, level)
		out = append(out, pt)
	}
	return out, nil
}

// Embedder decodes a representation output into one pooled vector per
// example (Prediction.Vector), for the embedding kinds.
type Embedder struct {
	// Output names the representation output ("" = choose: the only
	// output, else the first of PreferredOutputs).
	Output string
	// Pooling turns [batch, tokens, dim] into [batch, dim] ("" = none for a
	// [batch, dim] output, mean over the attention mask for
	// [batch, tokens, dim]).
	Pooling Pooling
	// Normalize divides each vector by its L2 norm.
	Normalize bool
}

// PreferredOutputs are tried in order when an Embedder names no output.
var PreferredOutputs = []string{"pooler_output", "sentence_embedding", "embeddings", "embedding", "last_hidden_state"}

// PickOutput chooses the representation output.
func (e *Embedder) PickOutput(outs []tensor.Info) (string, error) {
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	if e.Output != "" {
		if slices.Contains(names, e.Output) {
			return e.Output, nil
		}
		return "", fmt.Errorf("model has no output %q (outputs: %s)", e.Output, strings.Join(names, ", "))
	}
	if len(outs) == 1 {
		return outs[0].Name, nil
	}
	for _, p := range PreferredOutputs {
		if slices.Contains(names, p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("cannot choose the representation output among %s; set the task's embedding.output", strings.Join(names, ", "))
}

// Decode pools rows [0, rows) of out into dst[i].Vector, every token
// counting.
func (e *Embedder) Decode(out tensor.Tensor, rows int, dst []Prediction) error {
	return e.DecodeMasked(out, nil, rows, dst)
}

// DecodeMasked pools rows [0, rows) of out into dst[i].Vector; mask, when
// not nil, is the batch's [batch, tokens] attention mask.
func (e *Embedder) DecodeMasked(out tensor.Tensor, mask []int64, rows int, dst []Prediction) error {
	data, ok := out.Data.([]float32)
	if !ok {
		f64 := out.Float64s()
		data = make([]float32, len(f64))
		for i, x := range f64 {
			data[i] = float32(x)
		}
	}
	p := e.Pooling
	if p == "" {
		p = PoolNone
		if len(out.Shape) == 3 {
			p = PoolMean
		}
	}
	m, err := Pool(Matrix{}, data, out.Shape, mask, rows, p, e.Normalize)
	if err != nil {
		return fmt.Errorf("output %q: %w", out.Name, err)
	}
	for i := 0; i < rows; i++ {
		dst[i].Vector = m.Row(i)
	}
	return nil
}

// Mode and SetMode make an Embedder a decoder like a classifier; an
// embedding has no score mode.
func (e *Embedder) Mode() ScoreMode { return "" }

// SetMode does nothing.
func (e *Embedder) SetMode(ScoreMode) {}

// Stack returns the vectors of preds as a matrix, one row per prediction.
func Stack(preds []Prediction) (Matrix, error) {
	var m Matrix
	for i, p := range preds {
		if i == 0 {
			m.D = len(p.Vector)
			m.Data = make([]float32, 0, len(preds)*m.D)
		}
		if len(p.Vector) != m.D {
			return Matrix{}, fmt.Errorf("example %d has a %d-dimensional embedding, example 0 a %d-dimensional one", p.Index, len(p.Vector), m.D)
		}
		m.Data = append(m.Data, p.Vector...)
		m.N++
	}
	return m, nil
}

// KShotAccuracy recomputes the points of a k-shot curve from per-example
// correctness: correct[i] is test example i's Prediction.KShot (points in
// order, seeds within points), seeds[p] the number of seeds of point p.
// Each seed's accuracy is the share of examples it got right; Mean, Low
// and High are as in KShotCurve. Shots and TrainExamples are left to the
// caller.
func KShotAccuracy(correct [][]float64, seeds []int, level float64) ([]KShotPoint, error) {
	width := 0
	for _, s := range seeds {
		width += s
	}
	for i, c := range correct {
		if len(c) != width {
			return nil, fmt.Errorf("example %d has %d k-shot outcomes, want %d", i, len(c), width)
		}
	}
	if len(correct) == 0 {
		return nil, errors.New("no example has k-shot outcomes")
	}
	out := make([]KShotPoint, len(seeds))
	off := 0
	for p, s := range seeds {
		for r := 0; r < s; r++ {
			ok := 0
			for _, c := range correct {
				if c[off+r] == 1 {
					ok++
				}
			}
			out[p].Values = append(out[p].Values, float64(ok)/float64(len(correct)))
		}
		out[p].Mean, out[p].Low, out[p].High = MeanCI(out[p].Values, level)
		off += s
	}
	return out, nil
}
