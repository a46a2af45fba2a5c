package suite

import (
	"fmt"

	"github.com/evalctl/evalctl/tasks"
)

// MembershipSpec configures kind membership_inference (docs/privacy.md).
// The task's dataset holds the members: examples the model was trained on.
type MembershipSpec struct {
	// NonMembers names the dataset of examples from the same distribution
	// that the model was not trained on (required).
	NonMembers string `yaml:"non_members"`
	// Score is what the attack ranks examples by: loss (default; the loss
	// of the true label, or a language model's mean per-token loss),
	// confidence (the largest class probability; classifiers) or lira (the
	// difference to reference models, offline LiRA).
	Score tasks.Attack `yaml:"score"`
	// References names suite models trained without the members (and the
	// non-members); required for score lira. They are run on both datasets
	// but are not targets themselves.
	References []string `yaml:"references"`
}

// membership validates a task's membership section.
func (v *validator) membership(p string, t *Task, dsNames, modelNames []string) {
	mi := t.Kind == string(tasks.MembershipInference)
	if !mi {
		if t.Membership != nil {
			v.errorf(p+".membership", ErrInvalid, "a membership section applies to kind membership_inference, not %s", t.Kind)
		}
		return
	}
	ms := t.Membership
	if ms == nil {
		v.errorf(p+".membership", ErrMissing, "membership (non_members: the held-out dataset)")
		return
	}
	mp := p + ".membership"
	if ms.NonMembers == "" {
		v.errorf(mp+".non_members", ErrMissing, "non_members (a dataset of examples the model was not trained on)")
	} else {
		v.ref(mp+".non_members", ms.NonMembers, "dataset", dsNames)
		if ms.NonMembers == t.Dataset {
			v.errorf(mp+".non_members", ErrInvalid, "%q is also the task's dataset (the members); members and non-members must be different datasets", t.Dataset)
		}
	}
	if ms.Score == "" {
		ms.Score = tasks.AttackLoss
	}
	v.oneOf(mp+".score", string(ms.Score), tasks.AttackScores)
	for i, r := range ms.References {
		rp := fmt.Sprintf("%s.references[%d]", mp, i)
		v.ref(rp, r, "model", modelNames)
		if contains(t.Models, r) {
			v.errorf(rp, ErrInvalid, "model %q is both a target (models) and a reference", r)
		}
	}
	switch {
	case ms.Score == tasks.AttackLiRA && len(ms.References) == 0:
		v.errorf(mp+".references", ErrMissing, "references (models trained without the members; score lira compares the target with them)")
	case ms.Score != tasks.AttackLiRA && len(ms.References) > 0:
		v.errorf(mp+".references", ErrInvalid, "references apply to score lira, not %s", ms.Score)
	case len(ms.References) > 0 && len(t.Models) == 0:
		v.errorf(p+".models", ErrMissing, "models (the target models; without it the reference models would be attacked too)")
	}
	if t.LM != nil && ms.Score == tasks.AttackConfidence {
		v.errorf(mp+".score", ErrInvalid, "confidence applies to classifiers; a language model is attacked by its loss or lira")
	}
	if t.LM == nil && ms.Score != tasks.AttackConfidence {
		for _, name := range []string{t.Dataset, ms.NonMembers} {
			if d, ok := v.s.Dataset(name); ok && d.Label == nil {
				v.errorf(p+".dataset", ErrInvalid, "score %s needs the true label, but dataset %q declares no label", ms.Score, name)
			}
		}
	}
	for _, x := range []struct {
		key string
		set bool
	}{{"robustness", t.Robustness != nil}, {"fairness", t.Fairness != nil}, {"calibration.dataset", t.Calibration.Dataset != ""}} {
		if x.set {
			v.errorf(p+"."+x.key, ErrInvalid, "%s is not supported for kind membership_inference", x.key)
		}
	}
}
