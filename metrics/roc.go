package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
)

// ROCPoint is one point of a receiver operating characteristic curve:
// predicting positive every example whose score is >= Threshold gives the
// false-positive rate FPR and the true-positive rate TPR.
type ROCPoint struct {
	Threshold float64 `json:"threshold"`
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
}

// ROCCurve returns the ROC curve of binary scores (higher: more likely
// positive) as scikit-learn's roc_curve(pos, score, drop_intermediate)
// computes it: one point per distinct score, thresholds decreasing, after
// a first point (FPR 0, TPR 0) whose threshold is +Inf. With
// dropIntermediate, points that lie on a straight horizontal or vertical
// run between their neighbours are dropped (they change neither the area
// nor any rate-at-rate figure). It fails when a score is NaN or when there
// is no positive or no negative example.
func ROCCurve(score []float64, pos []bool, dropIntermediate bool) ([]ROCPoint, error) {
	if len(score) != len(pos) {
		return nil, errors.New("metrics: ROCCurve needs one label per score")
	}
	for _, s := range score {
		if math.IsNaN(s) {
			return nil, errors.New("metrics: ROCCurve: a score is NaN")
		}
	}
	idx, keys := orderDescKeys(score)
	var tps, fps []float64
	var thr []float64
	var tp, fp float64
	for j := 0; j < len(idx); {
		key := keys[j]
		first := idx[j]
		for ; j < len(idx) && keys[j] == key; j++ {
			if pos[idx[j]] {
				tp++
			} else {
				fp++
			}
		}
		tps, fps, thr = append(tps, tp), append(fps, fp), append(thr, score[first])
	}
	switch {
	case tp == 0:
		return nil, undefined("no positive examples")
	case fp == 0:
		return nil, undefined("no negative examples")
	}
	keep := make([]bool, len(tps))
	for i := range keep {
		keep[i] = !dropIntermediate || i == 0 || i == len(tps)-1 ||
			tps[i-1]-2*tps[i]+tps[i+1] != 0 || fps[i-1]-2*fps[i]+fps[i+1] != 0
	}
	out := []ROCPoint{{Threshold: math.Inf(1)}}
	for i := range tps {
		if keep[i] {
			out = append(out, ROCPoint{Threshold: thr[i], FPR: fps[i] / fp, TPR: tps[i] / tp})
		}
	}
	return out, nil
}

// ROCAUC returns the area under the ROC curve of binary scores (ties count
// one half; scikit-learn's roc_auc_score). It fails when a score is NaN or
// one class is missing.
func ROCAUC(score []float64, pos []bool) (float64, error) {
	for _, s := range score {
		if math.IsNaN(s) {
			return math.NaN(), errors.New("metrics: ROCAUC: a score is NaN")
		}
	}
	return binaryAUROC(score, pos, nil)
}

// TPRAtFPR returns the highest true-positive rate the curve reaches at a
// false-positive rate of at most fpr (the low-FPR figure of Carlini et al.
// 2022, "Membership inference attacks from first principles", §3). Curve
// points are as ROCCurve returns them.
func TPRAtFPR(curve []ROCPoint, fpr float64) float64 {
	best := 0.0
	for _, p := range curve {
		if p.FPR <= fpr && p.TPR > best {
			best = p.TPR
		}
	}
	return best
}

// BestBalancedAccuracy returns the balanced accuracy of the best threshold
// on the curve, max over points of (TPR + 1 − FPR)/2: the accuracy of a
// threshold attack on equally many positives and negatives (Yeom et al.
// 2018's membership advantage is 2·this − 1).
func BestBalancedAccuracy(curve []ROCPoint) float64 {
	best := math.NaN()
	for _, p := range curve {
		if b := (p.TPR + 1 - p.FPR) / 2; !(b <= best) {
			best = b
		}
	}
	return best
}

// ThinCurve returns at most max points of a curve, always keeping the
// first and the last, and otherwise every k-th point; for storing a curve
// in a result file. Figures are computed from the full curve.
func ThinCurve(curve []ROCPoint, max int) []ROCPoint {
	if max < 2 || len(curve) <= max {
		return curve
	}
	step := float64(len(curve)-1) / float64(max-1)
	out := make([]ROCPoint, 0, max)
	for i := 0; i < max; i++ {
		out = append(out, curve[int(math.Round(float64(i)*step))])
	}
	return out
}

// AttackFigures are the figures of a binary attack (membership
// inference): the ROC AUC, the best-threshold balanced accuracy and the
// TPR at each requested FPR.
type AttackFigures struct {
	AUC, BalancedAccuracy float64
	TPRAtFPR              []float64
}

// Attack computes AttackFigures of scores (higher: more likely positive,
// that is member) for the false-positive rates fprs, with the full ROC
// curve.
func Attack(score []float64, pos []bool, fprs []float64) (AttackFigures, []ROCPoint, error) {
	curve, err := ROCCurve(score, pos, true)
	if err != nil {
		return AttackFigures{}, nil, err
	}
	f := AttackFigures{BalancedAccuracy: BestBalancedAccuracy(curve)}
	if f.AUC, err = ROCAUC(score, pos); err != nil {
		return AttackFigures{}, nil, err
	}
	for _, x := range fprs {
		f.TPRAtFPR = append(f.TPRAtFPR, TPRAtFPR(curve, x))
	}
	return f, curve, nil
}

// AttackCIs returns percentile bootstrap intervals of the attack figures:
// AUC, balanced accuracy, then the TPR at each of fprs, in that order.
// Positives and negatives are resampled separately (a stratified
// bootstrap), since how many of each were evaluated is fixed by design;
// replicate r draws from a PCG generator seeded with (seed, r) as
// BootstrapCI does.
//
// It panics if resamples < 1 or level is outside (0, 1).
func AttackCIs(score []float64, pos []bool, fprs []float64, resamples int, level float64, seed uint64) []CI {
	checkBootstrap(resamples, level)
	var p, n []float64
	for i, s := range score {
		if pos[i] {
			p = append(p, s)
		} else {
			n = append(n, s)
		}
	}
	k := 2 + len(fprs)
	reps := BootstrapReplicates(resamples, k, seed, func(rng *rand.Rand, dst []float64) {
		s := make([]float64, 0, len(p)+len(n))
		lab := make([]bool, 0, len(p)+len(n))
		for range p {
			s, lab = append(s, p[rng.IntN(len(p))]), append(lab, true)
		}
		for range n {
			s, lab = append(s, n[rng.IntN(len(n))]), append(lab, false)
		}
		f, _, err := Attack(s, lab, fprs)
		if err != nil {
			for j := range dst {
				dst[j] = math.NaN()
			}
			return
		}
		dst[0], dst[1] = f.AUC, f.BalancedAccuracy
		copy(dst[2:], f.TPRAtFPR)
	})
	out := make([]CI, k)
	for j := range out {
		out[j] = percentileCI(reps[j], level, MethodStratifiedResample)
	}
	return out
}

// The membership-inference metric names (kind membership_inference): the
// figures of an attack that tells a model's training examples from
// held-out ones. Lower is better for the model's privacy.
const (
	MembershipAUC              = "membership_auc"
	MembershipBalancedAccuracy = "membership_balanced_accuracy"
	MembershipTPRAt0001        = "membership_tpr@fpr0.001"
	MembershipTPRAt001         = "membership_tpr@fpr0.01"
)

// MethodStratifiedResample: percentile bootstrap resampling each class
// (members, non-members) separately with replacement.
const MethodStratifiedResample = "percentile-by-class"
