package tasks

import (
	"errors"
	"fmt"
	"math"

	"github.com/evalctl/evalctl/metrics"
)

// MembershipInference measures how well an attacker can tell a model's
// training examples (members) from held-out examples of the same
// distribution (non-members) by the model's outputs: Shokri et al. 2017,
// Yeom et al. 2018; the offline likelihood-ratio attack of Carlini et al.
// 2022. docs/privacy.md defines every figure.
const MembershipInference Kind = "membership_inference"

// The metric names of kind membership_inference. Every one is an attack's
// success: lower is better for the model's privacy.
const (
	// MembershipAUC is the area under the attack's ROC curve (0.5: the
	// attack does no better than chance).
	MembershipAUC = metrics.MembershipAUC
	// MembershipBalancedAccuracy is the attack's accuracy at its best
	// threshold on equally weighted members and non-members.
	MembershipBalancedAccuracy = metrics.MembershipBalancedAccuracy
	// MembershipTPRAt0001 and MembershipTPRAt001 are the attack's
	// true-positive rates at 0.1% and 1% false-positive rate.
	MembershipTPRAt0001 = metrics.MembershipTPRAt0001
	MembershipTPRAt001  = metrics.MembershipTPRAt001
)

// MembershipMetrics are the metric names of kind membership_inference, in
// report order.
var MembershipMetrics = []string{MembershipAUC, MembershipBalancedAccuracy, MembershipTPRAt0001, MembershipTPRAt001}

// membershipFPR is the false-positive rate of each TPR metric.
var membershipFPR = map[string]float64{MembershipTPRAt0001: 0.001, MembershipTPRAt001: 0.01}

// Attack is a membership attack's score: what it ranks examples by.
type Attack string

// The attack scores.
const (
	// AttackLoss ranks by the loss of the true label (lower loss: more
	// likely a member; Yeom et al. 2018). For a language model, the mean
	// per-token loss of the text.
	AttackLoss Attack = "loss"
	// AttackConfidence ranks by the largest class probability, which
	// needs no label (Salem et al. 2019). Classifiers only.
	AttackConfidence Attack = "confidence"
	// AttackLiRA ranks by the difference of the target model's
	// logit-scaled confidence in the true label to its mean over reference
	// models trained without the examples: the offline likelihood-ratio
	// attack of Carlini et al. 2022 with a global variance.
	AttackLiRA Attack = "lira"
)

// AttackScores lists the attack scores a suite may name.
var AttackScores = []string{string(AttackLoss), string(AttackConfidence), string(AttackLiRA)}

func init() {
	kinds[MembershipInference] = kindInfo{defaults: MembershipMetrics}
}

// MembershipConfig configures a membership-inference evaluation.
type MembershipConfig struct {
	// Attack is one of AttackScores (default AttackLoss).
	Attack  Attack
	Metrics []string // default MembershipMetrics
	// Bootstrap settings of the intervals (Resamples 0: none).
	Resamples  int
	Confidence float64
	Seed       uint64
}

// MembershipData is what a membership-inference evaluation scores: the
// target model's predictions on members and on non-members, and, for
// AttackLiRA, each reference model's predictions on the same examples in
// the same order.
type MembershipData struct {
	Members, NonMembers       []Prediction
	RefMembers, RefNonMembers [][]Prediction
}

// MembershipScores are the figures of one membership-inference evaluation.
type MembershipScores struct {
	Scores
	// Members and NonMembers count the examples scored (after invalid
	// outputs are left out).
	Members, NonMembers int
	// ROC is the attack's ROC curve (scikit-learn's roc_curve with
	// drop_intermediate), members positive.
	ROC []metrics.ROCPoint
}

// ExampleLoss returns an example's loss: for a classifier the negative
// natural log of the true label's probability (clipped at 1e-15, as
// scikit-learn's log_loss; computed as −log1p(−Σ_{j≠y} p_j) when p_y >
// ½, so that it stays exact where p_y rounds to 1), for a language model's text its mean per-token
// negative log-likelihood. ok is false when the output was invalid or the
// example has no label.
func ExampleLoss(p *Prediction) (loss float64, ok bool) {
	if p.Invalid != "" {
		return math.NaN(), false
	}
	if len(p.Texts) > 0 {
		ll, n := 0.0, 0
		for _, t := range p.Texts {
			ll += t.LL
			n += t.Tokens
		}
		if n == 0 || math.IsNaN(ll) || math.IsInf(ll, 0) {
			return math.NaN(), false
		}
		return -ll / float64(n), true
	}
	if p.Label < 0 || p.Label >= len(p.Probs) {
		return math.NaN(), false
	}
	py := p.Probs[p.Label]
	if py > 0.5 {
		// −log p_y = −log1p(−Σ_{j≠y} p_j): exact for a confident model,
		// where p_y rounds to 1 and −log p_y to 0, which would tie every
		// confidently fitted example (the low-FPR figures depend on them).
		return -math.Log1p(-otherMass(p)), true
	}
	return -math.Log(math.Max(py, 1e-15)), true
}

// otherMass is the probability of every class but the label.
func otherMass(p *Prediction) float64 {
	rest := 0.0
	for j, q := range p.Probs {
		if j != p.Label {
			rest += q
		}
	}
	return rest
}

// logitConfidence is Carlini et al. 2022's φ: log(p_y / (1 − p_y)) for a
// classifier, with 1 − p_y summed from the other classes (exact where p_y
// rounds to 1) and both sides clipped at 1e-300; for a language model's
// text, minus its mean per-token loss.
func logitConfidence(p *Prediction) (float64, bool) {
	if len(p.Texts) > 0 {
		l, ok := ExampleLoss(p)
		return -l, ok
	}
	if p.Invalid != "" || p.Label < 0 || p.Label >= len(p.Probs) {
		return math.NaN(), false
	}
	rest := otherMass(p)
	return math.Log(math.Max(p.Probs[p.Label], 1e-300)) - math.Log(math.Max(rest, 1e-300)), true
}

// attackScore returns an example's attack score (higher: more likely a
// member) from the target's prediction and the references'.
func attackScore(attack Attack, p *Prediction, refs []*Prediction) (float64, bool) {
	switch attack {
	case AttackConfidence:
		if p.Invalid != "" || len(p.Probs) == 0 || len(p.Texts) > 0 {
			return math.NaN(), false
		}
		m := p.Probs[0]
		for _, q := range p.Probs[1:] {
			m = math.Max(m, q)
		}
		return m, true
	case AttackLiRA:
		phi, ok := logitConfidence(p)
		if !ok {
			return math.NaN(), false
		}
		sum := 0.0
		for _, r := range refs {
			x, ok := logitConfidence(r)
			if !ok {
				return math.NaN(), false
			}
			sum += x
		}
		return phi - sum/float64(len(refs)), true
	}
	l, ok := ExampleLoss(p)
	return -l, ok
}

// ScoreMembership scores a membership-inference attack on d: one attack
// score per example (see the Attack constants), then the attack's ROC AUC,
// best-threshold balanced accuracy and TPR at 0.1% and 1% FPR, with
// percentile intervals from a bootstrap that resamples members and
// non-members separately. Examples whose output (or a reference's) is
// invalid are left out and counted in Invalid. All intervals come from one
// set of replicates seeded with metrics.SubSeed(Seed, "membership").
func ScoreMembership(d MembershipData, cfg MembershipConfig) (*MembershipScores, error) {
	attack := cfg.Attack
	if attack == "" {
		attack = AttackLoss
	}
	if attack != AttackLoss && attack != AttackConfidence && attack != AttackLiRA {
		return nil, fmt.Errorf("unknown attack score %q (want loss, confidence or lira)", attack)
	}
	names := cfg.Metrics
	if len(names) == 0 {
		names = MembershipMetrics
	}
	for _, n := range names {
		if !contains(MembershipMetrics, n) {
			return nil, fmt.Errorf("metric %q is not a membership-inference metric (%v)", n, MembershipMetrics)
		}
	}
	if attack == AttackLiRA {
		if len(d.RefMembers) == 0 || len(d.RefMembers) != len(d.RefNonMembers) {
			return nil, errors.New("the lira attack needs the predictions of at least one reference model on members and non-members")
		}
	}
	out := &MembershipScores{}
	var score []float64
	var member []bool
	sets := []struct {
		preds  []Prediction
		refs   [][]Prediction
		member bool
		what   string
	}{{d.Members, d.RefMembers, true, "members"}, {d.NonMembers, d.RefNonMembers, false, "non-members"}}
	for _, set := range sets {
		for r, rp := range set.refs {
			if attack != AttackLiRA {
				break
			}
			if len(rp) != len(set.preds) {
				return nil, fmt.Errorf("reference model %d has %d predictions on the %s, the target %d", r+1, len(rp), set.what, len(set.preds))
			}
		}
		refs := make([]*Prediction, len(set.refs))
		for i := range set.preds {
			p := &set.preds[i]
			if attack == AttackLiRA {
				for r := range set.refs {
					refs[r] = &set.refs[r][i]
					if refs[r].Index != p.Index {
						return nil, fmt.Errorf("reference model %d's prediction %d on the %s is example %d, the target's %d", r+1, i, set.what, refs[r].Index, p.Index)
					}
				}
			}
			s, ok := attackScore(attack, p, refs)
			if !ok {
				if attack != AttackConfidence && p.Invalid == "" && len(p.Texts) == 0 && p.Label < 0 {
					return nil, fmt.Errorf("%s example %d (id %s) has no label: the %s attack needs the true label", set.what, p.Index, p.ID, attack)
				}
				out.Invalid++
				continue
			}
			score, member = append(score, s), append(member, set.member)
			if set.member {
				out.Members++
			} else {
				out.NonMembers++
			}
		}
	}
	out.N = len(score)
	fprs := []float64{0.001, 0.01}
	fig, curve, err := metrics.Attack(score, member, fprs)
	values := map[string]float64{}
	undefined := ""
	if err != nil {
		if len(score) == 0 {
			return out, ErrNoExamples
		}
		undefined = err.Error()
		for _, n := range MembershipMetrics {
			values[n] = math.NaN()
		}
	} else {
		values[MembershipAUC], values[MembershipBalancedAccuracy] = fig.AUC, fig.BalancedAccuracy
		values[MembershipTPRAt0001], values[MembershipTPRAt001] = fig.TPRAtFPR[0], fig.TPRAtFPR[1]
		out.ROC = curve
	}
	var cis []metrics.CI
	if cfg.Resamples > 0 && undefined == "" {
		cis = metrics.AttackCIs(score, member, fprs, cfg.Resamples, cfg.Confidence, metrics.SubSeed(cfg.Seed, "membership"))
	}
	at := map[string]int{MembershipAUC: 0, MembershipBalancedAccuracy: 1, MembershipTPRAt0001: 2, MembershipTPRAt001: 3}
	for _, n := range names {
		mv := MetricValue{Name: n, Value: values[n], Low: math.NaN(), High: math.NaN(), N: out.N, Undefined: undefined,
			Spec: map[string]string{"attack": string(attack)}}
		if f, ok := membershipFPR[n]; ok {
			mv.Spec["fpr"] = fmt.Sprint(f)
		}
		if cis != nil {
			ci := cis[at[n]]
			mv.Low, mv.High, mv.Level, mv.Resamples, mv.Method = ci.Low, ci.High, ci.Level, ci.Resamples, ci.Method
		}
		out.Metrics = append(out.Metrics, mv)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
