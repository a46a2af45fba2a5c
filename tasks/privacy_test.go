package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clf returns binary classifier predictions with the given probability of
// class 0 and label 0.
func clf(p0 ...float64) []Prediction {
	out := make([]Prediction, len(p0))
	for i, p := range p0 {
		out[i] = Prediction{Index: i, Label: 0, Probs: []float64{p, 1 - p}}
	}
	return out
}

func TestScoreMembership(t *testing.T) {
	cases := []struct {
		name   string
		data   MembershipData
		attack Attack
		auc    float64
		balAcc float64
		n      int
		inv    int
	}{
		// Loss of the true label: members' p_y 0.9, 0.8; non-members' 0.5,
		// 0.85. Of the four member/non-member pairs, three rank the member
		// higher (0.8 < 0.85 is the exception): AUC 3/4. The best
		// threshold (p_y >= 0.9 or >= 0.8) gives (½ + 1)/2 = 3/4.
		{"loss", MembershipData{Members: clf(0.9, 0.8), NonMembers: clf(0.5, 0.85)}, AttackLoss, 0.75, 0.75, 4, 0},
		// Confidence is the larger probability: members 0.9, 0.8 (=1−0.2),
		// non-members 0.5, 0.85 as for loss, but member 2 now has p_y 0.2.
		{"confidence", MembershipData{Members: clf(0.9, 0.2), NonMembers: clf(0.5, 0.85)}, AttackConfidence, 0.75, 0.75, 4, 0},
		// A reference model that agrees with the target everywhere makes
		// every LiRA score 0: AUC ½, and no threshold beats chance.
		{"lira, identical reference", MembershipData{Members: clf(0.9, 0.8), NonMembers: clf(0.5, 0.85),
			RefMembers: [][]Prediction{clf(0.9, 0.8)}, RefNonMembers: [][]Prediction{clf(0.5, 0.85)}}, AttackLiRA, 0.5, 0.5, 4, 0},
		// A reference that is less confident on the members only: the
		// target's excess confidence separates them (logit(0.9) − logit(0.6)
		// = 1.79 and logit(0.8) − logit(0.5) = 1.39 against 0 and 0).
		{"lira, reference separates", MembershipData{Members: clf(0.9, 0.8), NonMembers: clf(0.5, 0.85),
			RefMembers: [][]Prediction{clf(0.6, 0.5)}, RefNonMembers: [][]Prediction{clf(0.5, 0.85)}}, AttackLiRA, 1, 1, 4, 0},
		// An invalid output is left out and counted.
		{"invalid left out", MembershipData{Members: append(clf(0.9), Prediction{Index: 1, Label: 0, Invalid: "nan"}), NonMembers: clf(0.5)},
			AttackLoss, 1, 1, 2, 1},
		// Language-model texts: mean per-token loss 0.5 and 1 for the
		// members, 2 and 0.75 for the non-members: AUC 3/4.
		{"language model", MembershipData{
			Members:    []Prediction{{Index: 0, Texts: []TextLL{{LL: -2, Tokens: 4}}}, {Index: 1, Texts: []TextLL{{LL: -3, Tokens: 3}}}},
			NonMembers: []Prediction{{Index: 0, Texts: []TextLL{{LL: -4, Tokens: 2}}}, {Index: 1, Texts: []TextLL{{LL: -1.5, Tokens: 2}}}}},
			AttackLoss, 0.75, 0.75, 4, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ScoreMembership(c.data, MembershipConfig{Attack: c.attack, Resamples: 50, Confidence: 0.95, Seed: 1})
			require.NoError(t, err)
			assert.Equal(t, c.n, s.N)
			assert.Equal(t, c.inv, s.Invalid)
			auc, ok := s.Metric(MembershipAUC)
			require.True(t, ok)
			assert.InDelta(t, c.auc, auc.Value, 1e-12)
			assert.Equal(t, 50, auc.Resamples)
			assert.False(t, auc.HigherIsBetter, "an attack's success is bad for privacy")
			ba, _ := s.Metric(MembershipBalancedAccuracy)
			assert.InDelta(t, c.balAcc, ba.Value, 1e-12)
			require.Len(t, s.Metrics, 4)
			assert.NotEmpty(t, s.ROC)
		})
	}
}

func TestScoreMembershipErrors(t *testing.T) {
	cases := []struct {
		name string
		data MembershipData
		cfg  MembershipConfig
		want string
	}{
		{"lira without references", MembershipData{Members: clf(0.9), NonMembers: clf(0.5)}, MembershipConfig{Attack: AttackLiRA}, "at least one reference"},
		{"unknown attack", MembershipData{Members: clf(0.9), NonMembers: clf(0.5)}, MembershipConfig{Attack: "shadow"}, `unknown attack score "shadow"`},
		{"unknown metric", MembershipData{Members: clf(0.9), NonMembers: clf(0.5)}, MembershipConfig{Metrics: []string{"accuracy"}}, `"accuracy" is not a membership`},
		{"no label", MembershipData{Members: []Prediction{{Index: 3, ID: "x", Label: -1, Probs: []float64{1, 0}}}, NonMembers: clf(0.5)},
			MembershipConfig{}, "members example 3 (id x) has no label"},
		{"reference out of step", MembershipData{Members: clf(0.9, 0.8), NonMembers: clf(0.5),
			RefMembers: [][]Prediction{{clf(0.1)[0], {Index: 7, Label: 0, Probs: []float64{1, 0}}}}, RefNonMembers: [][]Prediction{clf(0.5)}},
			MembershipConfig{Attack: AttackLiRA}, "is example 7, the target's 1"},
		{"reference short", MembershipData{Members: clf(0.9, 0.8), NonMembers: clf(0.5),
			RefMembers: [][]Prediction{clf(0.1)}, RefNonMembers: [][]Prediction{clf(0.5)}},
			MembershipConfig{Attack: AttackLiRA}, "has 1 predictions on the members, the target 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ScoreMembership(c.data, c.cfg)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func TestScoreMembershipUndefined(t *testing.T) {
	// No non-member left: the figures are undefined, with the reason.
	s, err := ScoreMembership(MembershipData{Members: clf(0.9), NonMembers: []Prediction{{Label: 0, Invalid: "nan"}}}, MembershipConfig{Resamples: 10, Confidence: 0.9})
	require.NoError(t, err)
	m, _ := s.Metric(MembershipAUC)
	assert.True(t, math.IsNaN(m.Value))
	assert.Contains(t, m.Undefined, "no negative examples")
	_, err = ScoreMembership(MembershipData{}, MembershipConfig{})
	require.ErrorIs(t, err, ErrNoExamples)
}

func TestExampleLossStaysExactNearOne(t *testing.T) {
	// p_y = 1 − 1e-18 rounds to 1 in float64; the loss must still be
	// −log1p(−1e-18) = 1e-18 (to first order), not 0, so that confidently
	// fitted examples do not all tie.
	cases := []struct {
		name  string
		p     Prediction
		want  float64
		delta float64
	}{
		{"confident", Prediction{Label: 0, Probs: []float64{1, 1e-18}}, 1e-18, 1e-30},
		{"half", Prediction{Label: 1, Probs: []float64{0.5, 0.5}}, math.Ln2, 1e-15},
		{"clipped", Prediction{Label: 1, Probs: []float64{1, 0}}, -math.Log(1e-15), 1e-12},
		{"text", Prediction{Texts: []TextLL{{LL: -3, Tokens: 2}, {LL: -1, Tokens: 2}}}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, ok := ExampleLoss(&c.p)
			require.True(t, ok)
			assert.InDelta(t, c.want, l, c.delta)
		})
	}
}
