package tasks

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/evalctl/evalctl/metrics"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Matrix is a row-major n×d matrix of embeddings, one example per row.
type Matrix struct {
	N, D int
	Data []float32
}

// Row returns row i (a view, not a copy).
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.D : (i+1)*m.D] }

// Subset returns the rows idx, copied, in that order.
func (m Matrix) Subset(idx []int) Matrix {
	out := Matrix{N: len(idx), D: m.D, Data: make([]float32, len(idx)*m.D)}
	for j, i := range idx {
		copy(out.Data[j*m.D:(j+1)*m.D], m.Row(i))
	}
	return out
}

func (m Matrix) check(what string) error {
	if m.N < 0 || m.D < 1 || len(m.Data) != m.N*m.D {
		return fmt.Errorf("%s: %d×%d matrix with %d values", what, m.N, m.D, len(m.Data))
	}
	for i, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: example %d has a non-finite embedding value %v", what, i/m.D, v)
		}
	}
	return nil
}

func checkLabels(y []int, n, k int, what string) error {
	if len(y) != n {
		return fmt.Errorf("%s: %d labels for %d examples", what, len(y), n)
	}
	for i, c := range y {
		if c < 0 || c >= k {
			return fmt.Errorf("%s: example %d has label %d, want a class in [0, %d)", what, i, c, k)
		}
	}
	return nil
}

// FittedProbe is a classifier fitted on frozen embeddings.
type FittedProbe interface {
	// Method names the probe: "logreg", "knn" or "centroid".
	Method() string
	// Params is the number of fitted parameters (the probe's "trainable
	// parameters"; 0 for kNN, which stores the training set instead).
	Params() int64
	// PredictProba writes the class probabilities of every row of x into
	// dst (x.N×k, row-major) and returns it.
	PredictProba(x Matrix, dst []float64) []float64
}

// ErrNoTrainingData is returned when a probe has nothing to fit.
var ErrNoTrainingData = errors.New("no training examples")

// LogRegConfig configures [FitLogReg].
type LogRegConfig struct {
	// C is the inverse regularisation strength, as scikit-learn's
	// LogisticRegression(C=...). Must be > 0.
	C float64
	// MaxIter bounds the L-BFGS iterations (default 1000).
	MaxIter int
	// GradTol stops when the infinity norm of the gradient of the mean
	// objective falls below it (default 1e-5; scikit-learn 1.2 stops at 1e-4).
	GradTol float64
	// FTol stops when the objective changes by less than FTol relatively
	// for 5 iterations in a row (default 1e-9).
	FTol float64
	// Init, when non-nil, warm-starts the fit (a previous LogReg's Coef).
	Init []float64
}

// LogReg is a multinomial logistic regression with an L2 penalty on the
// weights (not the intercepts), the model of scikit-learn's
// LogisticRegression(multi_class="multinomial", penalty="l2", C=C):
//
//	p(c|x) = softmax(W x + b)_c
//	minimise  C·Σ_i −ln p(y_i|x_i) + ½‖W‖²_F
//
// Fitted by L-BFGS (Nocedal & Wright 2006, Alg. 7.4/7.5, with a backtracking
// Armijo line search) on the equivalent mean objective
// (1/n)Σ_i −ln p(y_i|x_i) + ‖W‖²/(2Cn) over standardised inputs (an exact
// reparametrisation, see FitLogReg), whose gradient is analytic:
// ∂/∂W = Xᵀ(P−Y)/n + W/(Cn), ∂/∂b = 1ᵀ(P−Y)/n.
type LogReg struct {
	K, D int
	// Coef holds W (D×K, row-major) followed by b (K).
	Coef []float64
	// Iterations and Converged describe the fit.
	Iterations int
	Converged  bool
	C          float64
}

// Method implements FittedProbe.
func (l *LogReg) Method() string { return "logreg" }

// Params implements FittedProbe: K·D weights plus K intercepts.
func (l *LogReg) Params() int64 { return int64(l.K*l.D + l.K) }

// PredictProba implements FittedProbe.
func (l *LogReg) PredictProba(x Matrix, dst []float64) []float64 {
	dst = resizeF(dst, x.N*l.K)
	W := mat.NewDense(l.D, l.K, l.Coef[:l.D*l.K])
	b := l.Coef[l.D*l.K:]
	const block = 4096
	for lo := 0; lo < x.N; lo += block {
		hi := min(lo+block, x.N)
		X := toDense(x, lo, hi)
		Z := mat.NewDense(hi-lo, l.K, dst[lo*l.K:hi*l.K])
		Z.Mul(X, W)
		for i := 0; i < hi-lo; i++ {
			row := dst[(lo+i)*l.K : (lo+i+1)*l.K]
			for c := range row {
				row[c] += b[c]
			}
			softmaxRow(row)
		}
	}
	return dst
}

func toDense(x Matrix, lo, hi int) *mat.Dense {
	buf := make([]float64, (hi-lo)*x.D)
	for i, v := range x.Data[lo*x.D : hi*x.D] {
		buf[i] = float64(v)
	}
	return mat.NewDense(hi-lo, x.D, buf)
}

func softmaxRow(row []float64) {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	s := 0.0
	for c, v := range row {
		row[c] = math.Exp(v - m)
		s += row[c]
	}
	for c := range row {
		row[c] /= s
	}
}

// FitLogReg fits a multinomial L2 logistic regression on x (n×d) with labels
// y in [0, k).
func FitLogReg(x Matrix, y []int, k int, cfg LogRegConfig) (*LogReg, error) {
	if err := x.check("logreg train"); err != nil {
		return nil, err
	}
	if x.N == 0 {
		return nil, fmt.Errorf("logreg: %w", ErrNoTrainingData)
	}
	if k < 2 {
		return nil, fmt.Errorf("logreg: %d classes, want >= 2", k)
	}
	if err := checkLabels(y, x.N, k, "logreg train"); err != nil {
		return nil, err
	}
	if !(cfg.C > 0) || math.IsInf(cfg.C, 0) {
		return nil, fmt.Errorf("logreg: C = %v, want a finite value > 0", cfg.C)
	}
	if cfg.MaxIter == 0 {
		cfg.MaxIter = 1000
	}
	if cfg.GradTol == 0 {
		cfg.GradTol = 1e-5
	}
	if cfg.FTol == 0 {
		cfg.FTol = 1e-9
	}
	n, d := x.N, x.D
	lambda := 1 / (cfg.C * float64(n))
	nw := d * k
	workers := runtime.GOMAXPROCS(0)
	if n < 256*workers {
		workers = 1
	}
	type part struct {
		loss float64
		g    []float64 // d·k weights then k intercepts
	}
	parts := make([]part, workers)
	for w := range parts {
		parts[w].g = make([]float64, nw+k)
	}
	// eval computes the objective and, when grad is not nil, its gradient in
	// one pass over the rows: logits, log-sum-exp, P − Y and the
	// accumulation of (P − Y) xᵀ, in parallel row blocks.
	// Exact reparametrisation for conditioning: with standardised inputs
	// u = (x − μ)/σ, V = diag(σ)·W and b' = b + μᵀW the logits are
	// unchanged, and the penalty ‖W‖² becomes Σ_j ‖V_j‖²/σ_j², so the
	// minimiser is the same while L-BFGS sees a well-scaled problem.
	mu, sigma := make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.Data[i*d : (i+1)*d] {
			mu[j] += float64(v)
		}
	}
	for j := range mu {
		mu[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range x.Data[i*d : (i+1)*d] {
			dv := float64(v) - mu[j]
			sigma[j] += dv * dv
		}
	}
	for j := range sigma {
		sigma[j] = math.Sqrt(sigma[j] / float64(n))
		if sigma[j] < 1e-12 {
			sigma[j] = 1
		}
	}
	wt := make([]float64, nw) // V transposed: K×D, one class per row
	eval := func(grad, p []float64) float64 {
		W, b := p[:nw], p[nw:]
		for j := 0; j < d; j++ {
			for c := 0; c < k; c++ {
				wt[c*d+j] = W[j*k+c]
			}
		}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				pt := &parts[w]
				pt.loss = 0
				if grad != nil {
					clear(pt.g)
				}
				z := make([]float64, k)
				xr := make([]float64, d)
				lo, hi := w*n/workers, (w+1)*n/workers
				for i := lo; i < hi; i++ {
					for j, v := range x.Data[i*d : (i+1)*d] {
						xr[j] = (float64(v) - mu[j]) / sigma[j]
					}
					for c := range z {
						z[c] = b[c] + floats.Dot(xr, wt[c*d:(c+1)*d])
					}
					m := math.Inf(-1)
					for _, v := range z {
						m = math.Max(m, v)
					}
					s := 0.0
					for _, v := range z {
						s += math.Exp(v - m)
					}
					lse := m + math.Log(s)
					pt.loss += lse - z[y[i]]
					if grad == nil {
						continue
					}
					for c := range z {
						z[c] = math.Exp(z[c] - lse)
					}
					z[y[i]]--
					for c, r := range z {
						floats.AddScaled(pt.g[c*d:(c+1)*d], r, xr) // K×D layout
						pt.g[nw+c] += r
					}
				}
			}(w)
		}
		wg.Wait()
		loss, reg := 0.0, 0.0
		for w := range parts {
			loss += parts[w].loss
		}
		for j := 0; j < d; j++ {
			for c := 0; c < k; c++ {
				v := W[j*k+c] / sigma[j]
				reg += v * v
			}
		}
		if grad != nil {
			inv := 1 / float64(n)
			for c := 0; c < k; c++ {
				for j := 0; j < d; j++ {
					sum := 0.0
					for w := range parts {
						sum += parts[w].g[c*d+j]
					}
					grad[j*k+c] = sum * inv
				}
			}
			for c := 0; c < k; c++ {
				sum := 0.0
				for w := range parts {
					sum += parts[w].g[nw+c]
				}
				grad[nw+c] = sum * inv
			}
			for j := 0; j < d; j++ {
				for c := 0; c < k; c++ {
					grad[j*k+c] += lambda * p[j*k+c] / (sigma[j] * sigma[j])
				}
			}
		}
		return loss/float64(n) + 0.5*lambda*reg
	}
	x0 := make([]float64, nw+k)
	if len(cfg.Init) == len(x0) {
		// W, b → V = σW, b' = b + μᵀW.
		copy(x0[nw:], cfg.Init[nw:])
		for j := 0; j < d; j++ {
			for c := 0; c < k; c++ {
				w := cfg.Init[j*k+c]
				x0[j*k+c] = w * sigma[j]
				x0[nw+c] += mu[j] * w
			}
		}
	}
	lr := &LogReg{K: k, D: d, C: cfg.C}
	lr.Iterations, lr.Converged = lbfgs(func(p, g []float64) float64 { return eval(g, p) }, x0, cfg.MaxIter, cfg.GradTol, cfg.FTol)
	// V, b' → W = V/σ, b = b' − μᵀW.
	lr.Coef = make([]float64, nw+k)
	copy(lr.Coef[nw:], x0[nw:])
	for j := 0; j < d; j++ {
		for c := 0; c < k; c++ {
			w := x0[j*k+c] / sigma[j]
			lr.Coef[j*k+c] = w
			lr.Coef[nw+c] -= mu[j] * w
		}
	}
	for _, v := range lr.Coef {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("logreg: fit diverged (non-finite coefficient)")
		}
	}
	return lr, nil
}

// KNN is a k-nearest-neighbour classifier under cosine similarity with
// uniform votes, as scikit-learn's KNeighborsClassifier(n_neighbors=k,
// metric="cosine"): p(c|x) is the fraction of the k most similar training
// rows with label c; ties in similarity go to the earlier training row and
// ties in votes to the smaller class index.
type KNN struct {
	K     int // number of classes
	N     int // neighbours
	train Matrix
	norms []float64
	y     []int
}

// FitKNN stores the training set for kNN with n neighbours.
func FitKNN(x Matrix, y []int, k, n int) (*KNN, error) {
	if err := x.check("knn train"); err != nil {
		return nil, err
	}
	if x.N == 0 {
		return nil, fmt.Errorf("knn: %w", ErrNoTrainingData)
	}
	if err := checkLabels(y, x.N, k, "knn train"); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("knn: %d neighbours, want >= 1", n)
	}
	n = min(n, x.N)
	return &KNN{K: k, N: n, train: x, norms: rowNorms(x), y: y}, nil
}

// Method implements FittedProbe.
func (m *KNN) Method() string { return "knn" }

// Params implements FittedProbe: kNN fits no parameters.
func (m *KNN) Params() int64 { return 0 }

// PredictProba implements FittedProbe.
func (m *KNN) PredictProba(x Matrix, dst []float64) []float64 {
	dst = resizeF(dst, x.N*m.K)
	qn := rowNorms(x)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			type nb struct {
				s float64
				i int
			}
			best := make([]nb, 0, m.N+1)
			for q := w; q < x.N; q += workers {
				best = best[:0]
				qr := x.Row(q)
				for i := 0; i < m.train.N; i++ {
					s := cosine32(qr, m.train.Row(i), qn[q], m.norms[i])
					if len(best) == m.N && s <= best[m.N-1].s {
						continue
					}
					j := len(best)
					if j < m.N {
						best = append(best, nb{})
					} else {
						j = m.N - 1
					}
					for j > 0 && best[j-1].s < s {
						best[j] = best[j-1]
						j--
					}
					best[j] = nb{s, i}
				}
				row := dst[q*m.K : (q+1)*m.K]
				for c := range row {
					row[c] = 0
				}
				for _, b := range best {
					row[m.y[b.i]] += 1 / float64(len(best))
				}
			}
		}(w)
	}
	wg.Wait()
	return dst
}

func rowNorms(x Matrix) []float64 {
	out := make([]float64, x.N)
	for i := range out {
		s := 0.0
		for _, v := range x.Row(i) {
			s += float64(v) * float64(v)
		}
		out[i] = math.Sqrt(s)
	}
	return out
}

// cosine32 is u·v/(|u||v|), 0 when either norm is 0.
func cosine32(u, v []float32, nu, nv float64) float64 {
	if nu == 0 || nv == 0 {
		return 0
	}
	s := 0.0
	for i := range u {
		s += float64(u[i]) * float64(v[i])
	}
	return s / (nu * nv)
}

// Centroid is a nearest-class-centroid classifier under cosine similarity:
// μ_c is the mean of the L2-normalised training embeddings of class c, the
// prediction is argmax_c cos(x, μ_c), and the probabilities are
// softmax_c(cos(x, μ_c)/T) with the temperature T fitted by minimising NLL
// on a validation split (metrics.FitTemperature; T = 1 without one).
type Centroid struct {
	K, D      int
	Centroids [][]float64
	T         float64
}

// FitCentroid computes the class centroids. A class without training
// examples gets a zero centroid (cosine 0 to everything).
func FitCentroid(x Matrix, y []int, k int) (*Centroid, error) {
	if err := x.check("centroid train"); err != nil {
		return nil, err
	}
	if x.N == 0 {
		return nil, fmt.Errorf("centroid: %w", ErrNoTrainingData)
	}
	if err := checkLabels(y, x.N, k, "centroid train"); err != nil {
		return nil, err
	}
	c := &Centroid{K: k, D: x.D, T: 1, Centroids: make([][]float64, k)}
	for i := range c.Centroids {
		c.Centroids[i] = make([]float64, x.D)
	}
	counts := make([]int, k)
	norms := rowNorms(x)
	for i := 0; i < x.N; i++ {
		if norms[i] == 0 {
			continue
		}
		counts[y[i]]++
		for j, v := range x.Row(i) {
			c.Centroids[y[i]][j] += float64(v) / norms[i]
		}
	}
	for ci, cnt := range counts {
		for j := range c.Centroids[ci] {
			if cnt > 0 {
				c.Centroids[ci][j] /= float64(cnt)
			}
		}
	}
	return c, nil
}

// Method implements FittedProbe.
func (c *Centroid) Method() string { return "centroid" }

// Params implements FittedProbe: K·D centroid coordinates plus the temperature.
func (c *Centroid) Params() int64 { return int64(c.K*c.D + 1) }

// Similarities writes cos(x_i, μ_c) into dst (x.N×K) and returns it.
func (c *Centroid) Similarities(x Matrix, dst []float64) []float64 {
	dst = resizeF(dst, x.N*c.K)
	cn := make([]float64, c.K)
	for ci, mu := range c.Centroids {
		cn[ci] = math.Sqrt(dot64(mu, mu))
	}
	qn := rowNorms(x)
	for i := 0; i < x.N; i++ {
		row := x.Row(i)
		for ci, mu := range c.Centroids {
			if qn[i] == 0 || cn[ci] == 0 {
				dst[i*c.K+ci] = 0
				continue
			}
			s := 0.0
			for j, v := range row {
				s += float64(v) * mu[j]
			}
			dst[i*c.K+ci] = s / (qn[i] * cn[ci])
		}
	}
	return dst
}

// FitTemperature sets T by minimising the NLL of the validation split.
func (c *Centroid) FitTemperature(x Matrix, y []int) error {
	if x.N == 0 {
		return nil
	}
	if err := checkLabels(y, x.N, c.K, "centroid validation"); err != nil {
		return err
	}
	T, err := metrics.FitTemperature(c.Similarities(x, nil), c.K, y)
	if err != nil {
		return fmt.Errorf("centroid temperature: %w", err)
	}
	c.T = T
	return nil
}

// PredictProba implements FittedProbe.
func (c *Centroid) PredictProba(x Matrix, dst []float64) []float64 {
	dst = c.Similarities(x, dst)
	metrics.Softmax(dst, dst, c.K, c.T)
	return dst
}

func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func resizeF(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}

// ProbePredictions turns probe probabilities into predictions: Probs and
// Pred (argmax, ties to the smaller class) of each base prediction, which
// carries Index, ID, Label and Groups.
func ProbePredictions(base []Prediction, probs []float64, k int) []Prediction {
	out := make([]Prediction, len(base))
	for i := range base {
		out[i] = base[i]
		out[i].Vector = nil
		out[i].Probs = append([]float64(nil), probs[i*k:(i+1)*k]...)
		out[i].Pred = argmax(out[i].Probs)
		out[i].Invalid = ""
		for _, p := range out[i].Probs {
			if math.IsNaN(p) {
				out[i].Invalid = "nan"
			}
		}
	}
	return out
}

// SplitValidation carves a stratified validation split from labels y:
// frac of each class (at least one example when the class has two or
// more), chosen by a shuffle seeded with seed. It returns the train and
// validation indices, each sorted.
func SplitValidation(y []int, k int, frac float64, seed uint64) (train, val []int) {
	byClass := make([][]int, k)
	for i, c := range y {
		if c >= 0 && c < k {
			byClass[c] = append(byClass[c], i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x7072_6f62_65))
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		nv := int(math.Round(frac * float64(len(idx))))
		if nv == 0 && len(idx) >= 2 && frac > 0 {
			nv = 1
		}
		if nv >= len(idx) {
			nv = len(idx) - 1
		}
		val = append(val, idx[:nv]...)
		train = append(train, idx[nv:]...)
	}
	sort.Ints(train)
	sort.Ints(val)
	return train, val
}

// SampleShots picks k examples of each class (all of a class's examples
// when it has fewer, or when k <= 0), by a shuffle seeded with seed, and
// returns their indices sorted.
func SampleShots(y []int, classes, k int, seed uint64) []int {
	byClass := make([][]int, classes)
	for i, c := range y {
		if c >= 0 && c < classes {
			byClass[c] = append(byClass[c], i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b73_686f_74))
	var out []int
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		n := len(idx)
		if k > 0 && k < n {
			n = k
		}
		out = append(out, idx[:n]...)
	}
	sort.Ints(out)
	return out
}

// Accuracy returns the fraction of rows of probs (n×k) whose argmax equals y.
func Accuracy(probs []float64, k int, y []int) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	ok := 0
	for i, c := range y {
		if argmax(probs[i*k:(i+1)*k]) == c {
			ok++
		}
	}
	return float64(ok) / float64(len(y))
}

// MeanCI returns the mean of v and a Student-t confidence interval at the
// given level: mean ± t_{(1+level)/2, n−1}·s/√n (s the sample standard
// deviation). With fewer than two values the bounds are NaN.
func MeanCI(v []float64, level float64) (mean, lo, hi float64) {
	n := float64(len(v))
	if len(v) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= n
	if len(v) < 2 {
		return mean, math.NaN(), math.NaN()
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	s := math.Sqrt(ss / (n - 1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile((1 + level) / 2)
	return mean, mean - t*s/math.Sqrt(n), mean + t*s/math.Sqrt(n)
}

// lbfgs minimises f from x (updated in place) with limited-memory BFGS
// (Nocedal & Wright 2006, Algorithm 7.5: two-loop recursion, memory 10,
// H0 = sᵀy/yᵀy), a backtracking Armijo line search (c1 = 1e-4) and curvature
// pairs skipped when sᵀy ≤ 1e-10·|s||y|. f writes the gradient into g. It
// stops when ‖g‖∞ ≤ gtol (converged), when the objective changes by less
// than ftol relatively for 5 iterations in a row or the line search cannot
// decrease it (converged to working precision), or after maxIter iterations.
// (gonum/optimize is not used: it imports stat/distmv, whose dependency
// golang.org/x/tools is not in go.sum.)
func lbfgs(f func(x, g []float64) float64, x []float64, maxIter int, gtol, ftol float64) (iters int, converged bool) {
	const mem = 10
	n := len(x)
	g := make([]float64, n)
	fx := f(x, g)
	var S, Y [][]float64
	var rho []float64
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	alpha := make([]float64, mem)
	small := 0
	for iters = 0; iters < maxIter; iters++ {
		if normInf(g) <= gtol {
			return iters, true
		}
		// Two-loop recursion: d = −H g.
		copy(d, g)
		for i := len(S) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot64(S[i], d)
			axpy(-alpha[i], Y[i], d)
		}
		gamma := 1.0
		if len(S) > 0 {
			l := len(S) - 1
			gamma = dot64(S[l], Y[l]) / dot64(Y[l], Y[l])
		} else if ng := math.Sqrt(dot64(g, g)); ng > 0 {
			gamma = 1 / ng
		}
		for i := range d {
			d[i] *= gamma
		}
		for i := range S {
			b := rho[i] * dot64(Y[i], d)
			axpy(alpha[i]-b, S[i], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot64(g, d)
		if slope >= 0 { // not a descent direction: restart from steepest descent
			S, Y, rho = S[:0], Y[:0], rho[:0]
			for i := range d {
				d[i] = -g[i]
			}
			slope = -dot64(g, g)
		}
		step := 1.0
		var fn float64
		ok := false
		for ls := 0; ls < 60; ls++ {
			for i := range xn {
				xn[i] = x[i] + step*d[i]
			}
			fn = f(xn, gn)
			if fn <= fx+1e-4*step*slope && !math.IsNaN(fn) {
				ok = true
				break
			}
			step *= 0.5
		}
		if !ok {
			return iters, true // no decrease possible at working precision
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range s {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot64(s, y); sy > 1e-10*math.Sqrt(dot64(s, s)*dot64(y, y)) {
			if len(S) == mem {
				S, Y, rho = S[1:], Y[1:], rho[1:]
			}
			S, Y, rho = append(S, s), append(Y, y), append(rho, 1/sy)
		}
		if math.Abs(fx-fn) <= ftol*math.Max(1, math.Abs(fx)) {
			small++
			if small >= 5 {
				copy(x, xn)
				return iters + 1, true
			}
		} else {
			small = 0
		}
		copy(x, xn)
		copy(g, gn)
		fx = fn
	}
	return iters, normInf(g) <= gtol
}

func normInf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}
