package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/metrics"
	"github.com/evalctl/evalctl/tasks"
)

// Kind membership_inference (docs/privacy.md): the target model is run on
// the members (the task's dataset) and the non-members, and for the lira
// attack every reference model on both, through the same prediction pass
// as classification (classPass) or perplexity (the LM scorer), so that
// the passes are cached, sharded and merged like every other kind. The
// task's one evaluation is the members' ("clean"); the other prediction
// sets travel in the sidecar under MembershipKey, from which rescore and
// merge read them back.

// Membership prediction-set roles beside the members (the clean
// evaluation): the target's non-members, and each reference model's
// members and non-members ("members@ref", "non_members@ref").
const (
	roleNonMembers = "non_members"
	roleMembers    = "members"
)

// MembershipKey is the sidecar key of one prediction set of a
// membership-inference task beside its clean evaluation:
// "<model>/<task>/membership:<role>:<dataset>".
func MembershipKey(model, task, role, dataset string) string {
	return model + "/" + task + "/membership:" + role + ":" + dataset
}

// membershipRole is the role of a reference model's set.
func membershipRole(set, ref string) string { return set + "@" + ref }

// maxROCPoints caps the ROC curve stored in a result.
const maxROCPoints = 512

// lossPass is the prediction pass whose outputs give each example's
// loss: a classifier's class probabilities, or a language model's
// per-token log-likelihood of the document (a perplexity pass, so a
// perplexity task on the same data shares its cache).
func (r *runner) lossPass(mr *modelRun, t *suite.Task, d *suite.Dataset, what string) *passSpec {
	if t.LM == nil {
		ps := r.classPass(mr, t, d, cleanVariant, what, -1)
		if t.Membership != nil && t.Membership.Score == tasks.AttackConfidence {
			ps.label = labelOptional // the confidence attack needs no label
		}
		return ps
	}
	pt := *t
	pt.Kind = string(tasks.Perplexity)
	ps := &passSpec{what: what, dataset: d, variant: cleanVariant, shard: true, label: labelEngine,
		key: []any{"lm", *t.LM, pt.Kind, t.Output, r.batch, -1}}
	ps.newEngine = func(cols []dataset.Column, enc *encoders) (engine, error) {
		lt, err := r.newLMTask(&pt, d, cols, enc, -1)
		if err != nil {
			return nil, err
		}
		sc, err := newLMScorer(mr.om, &pt, r.batch, lt.prefix)
		if err != nil {
			return nil, err
		}
		lt.maxLen = sc.maxLen
		return &llEngine{sc: sc, task: lt}, nil
	}
	return ps
}

// membershipPasses runs one model on the members and the non-members.
func (r *runner) membershipPasses(ctx context.Context, mr *modelRun, t *suite.Task, who string) (members, nonMembers *passResult, err error) {
	dm, ok := r.s.Dataset(t.Dataset)
	if !ok {
		return nil, nil, fmt.Errorf("dataset %q not found", t.Dataset)
	}
	dn, ok := r.s.Dataset(t.Membership.NonMembers)
	if !ok {
		return nil, nil, fmt.Errorf("membership.non_members: dataset %q not found", t.Membership.NonMembers)
	}
	if members, err = r.runPass(ctx, mr, r.lossPass(mr, t, dm, who+"members "+dm.Name)); err != nil {
		return nil, nil, fmt.Errorf("%smembers %q: %w", who, dm.Name, err)
	}
	if nonMembers, err = r.runPass(ctx, mr, r.lossPass(mr, t, dn, who+"non-members "+dn.Name)); err != nil {
		return nil, nil, fmt.Errorf("%snon-members %q: %w", who, dn.Name, err)
	}
	return members, nonMembers, nil
}

// runMembership predicts the members and non-members with the target
// model and, for the lira attack, with every reference model, then
// scores the attack.
func runMembership(ctx context.Context, r *runner, mr *modelRun, t *suite.Task) (*taskOutcome, error) {
	if t.Membership == nil {
		return nil, errors.New("task has no membership section")
	}
	pm, pn, err := r.membershipPasses(ctx, mr, t, "")
	if err != nil {
		return nil, err
	}
	dm, _ := r.s.Dataset(t.Dataset)
	dn, _ := r.s.Dataset(t.Membership.NonMembers)
	in := &taskInputs{clean: r.input(mr, t, cleanVariant, dm, pm), aux: map[string]*evalInput{}}
	in.clean.ev.Efficiency = r.efficiency(mr.mi, pm.stats.plus(pn.stats), len(pm.preds)+len(pn.preds), 0)
	in.aux[roleNonMembers] = r.input(mr, t, cleanVariant, dn, pn)
	for _, ref := range t.Membership.References {
		rm, rn, err := r.referencePasses(ctx, mr, t, ref)
		if err != nil {
			return nil, err
		}
		in.aux[membershipRole(roleMembers, ref)] = r.input(mr, t, cleanVariant, dm, rm)
		in.aux[membershipRole(roleNonMembers, ref)] = r.input(mr, t, cleanVariant, dn, rn)
	}
	return assembleMembership(r, t, in)
}

// referencePasses opens reference model ref and runs it on the members
// and non-members.
func (r *runner) referencePasses(ctx context.Context, target *modelRun, t *suite.Task, ref string) (members, nonMembers *passResult, err error) {
	var m *suite.Model
	for i := range r.s.Models {
		if r.s.Models[i].Name == ref {
			m = &r.s.Models[i]
		}
	}
	if m == nil {
		return nil, nil, fmt.Errorf("membership.references: model %q not found", ref)
	}
	path := r.s.Resolve(m.Path)
	sum, size, err := hashFile(ctx, path)
	if err != nil {
		return nil, nil, fmt.Errorf("reference model %q: %w", ref, err)
	}
	om, err := r.opt.Open(path, r.s.Runtime)
	if err != nil {
		return nil, nil, fmt.Errorf("reference model %q: %w", ref, err)
	}
	defer om.Model.Close()
	mr := &modelRun{m: m, mi: &result.Model{Name: m.Name, Path: m.Path, SHA256: sum, SizeBytes: size}, om: om, hash: sum, task: target.task}
	return r.membershipPasses(ctx, mr, t, "reference "+ref+", ")
}

// assembleMembership scores a membership-inference task from its
// prediction sets.
func assembleMembership(r *runner, t *suite.Task, in *taskInputs) (*taskOutcome, error) {
	ms := t.Membership
	if ms == nil {
		return nil, errors.New("task has no membership section")
	}
	clean := in.clean
	get := func(role string) (*evalInput, error) {
		x, ok := in.aux[role]
		if !ok {
			return nil, fmt.Errorf("no predictions for the %s set (sidecar key %s)", role,
				MembershipKey(clean.ev.Model, t.Name, role, "<dataset>"))
		}
		return x, nil
	}
	nm, err := get(roleNonMembers)
	if err != nil {
		return nil, err
	}
	data := tasks.MembershipData{Members: clean.preds, NonMembers: nm.preds}
	for _, ref := range ms.References {
		a, err := get(membershipRole(roleMembers, ref))
		if err != nil {
			return nil, err
		}
		b, err := get(membershipRole(roleNonMembers, ref))
		if err != nil {
			return nil, err
		}
		data.RefMembers, data.RefNonMembers = append(data.RefMembers, a.preds), append(data.RefNonMembers, b.preds)
	}
	sc, err := tasks.ScoreMembership(data, tasks.MembershipConfig{Attack: ms.Score, Metrics: t.Metrics,
		Resamples: *r.s.Bootstrap.Resamples, Confidence: r.s.Bootstrap.Confidence, Seed: r.s.Seed})
	if errors.Is(err, tasks.ErrNoExamples) {
		sc = &tasks.MembershipScores{Scores: undefinedScores(t.Metrics, sc.Scores, len(clean.preds)+len(nm.preds))}
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("membership inference on %q and %q: %w", clean.ev.Dataset, nm.ev.Dataset, err)
	}
	ev := clean.ev
	ev.InvalidPolicy = "exclude"
	ev.Classes = clean.classes
	ev.N, ev.Invalid = sc.N, sc.Invalid
	ev.Scoring = &result.Scoring{Metrics: t.Metrics, Scores: string(clean.mode), Output: clean.output, Groups: clean.groups}
	if prev := clean.ev.Scoring; prev != nil && clean.mode == "" {
		ev.Scoring.Scores, ev.Scoring.Output = prev.Scores, prev.Output
	}
	ev.Metrics = convertMetrics(sc.Metrics)
	ev.Privacy = &result.Privacy{Attack: string(ms.Score), Members: clean.ev.Dataset, NonMembers: nm.ev.Dataset,
		MembersN: sc.Members, NonMembersN: sc.NonMembers, References: ms.References, ROC: convertROC(sc.ROC)}
	out := &taskOutcome{evals: []result.Evaluation{ev}}
	out.preds = append(out.preds, evalPreds{key: ev.Key(), groups: clean.groups, classes: clean.classes, preds: clean.preds, resumed: clean.resumed})
	roles := []string{roleNonMembers}
	for _, ref := range ms.References {
		roles = append(roles, membershipRole(roleMembers, ref), membershipRole(roleNonMembers, ref))
	}
	for _, role := range roles {
		x := in.aux[role]
		out.preds = append(out.preds, evalPreds{key: MembershipKey(ev.Model, t.Name, role, x.ev.Dataset), groups: x.groups,
			classes: x.classes, preds: x.preds, resumed: x.resumed})
	}
	return out, nil
}

// convertROC converts a curve to the result schema, thinned to
// maxROCPoints.
func convertROC(curve []metrics.ROCPoint) []result.ROCPoint {
	curve = metrics.ThinCurve(curve, maxROCPoints)
	out := make([]result.ROCPoint, len(curve))
	for i, p := range curve {
		out[i] = result.ROCPoint{Threshold: result.Float(p.Threshold), FPR: p.FPR, TPR: p.TPR}
	}
	return out
}

// membershipStored reads the membership prediction sets of one model's
// task back from a sidecar (rescore, merge): role → predictions.
func membershipStored(model, task string, groups []string, preds map[string][]result.Prediction) map[string]*evalInput {
	prefix := model + "/" + task + "/membership:"
	out := map[string]*evalInput{}
	for k, ps := range preds {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		i := strings.LastIndex(rest, ":")
		if i < 0 {
			continue
		}
		x := &evalInput{preds: toTaskPreds(ps, groups), groups: groups}
		x.ev.Dataset = rest[i+1:]
		out[rest[:i]] = x
	}
	return out
}

// membershipDataset returns the dataset of a membership sidecar key.
func membershipDataset(key string) (string, bool) {
	_, rest, ok := strings.Cut(key, "/membership:")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, ":")
	if i < 0 {
		return "", false
	}
	return rest[i+1:], true
}
