package harness

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeShift runs a probe task with a robustness shift dataset
// (harness/testdata/embedding/probe_shift.yaml: the quickstart encoder, a
// logreg probe fitted on the calibration split, the test split dimmed to 80%
// brightness as the shift dataset) on real ONNX Runtime, 400 examples per
// split. The shift evaluation must exist with Variant "shift:fmnist-test-dim"
// and that Dataset, and its accuracy must equal the accuracy of the same
// probe computed here directly: the same embedding pass, the same fit
// (tasks.FitProbe on the carved validation split, then refit on all of the
// train split), and an argmax over the probe's probabilities counted by hand.
// The robustness summary must carry ood and id_ood_gap for that dataset, the
// gap with a bootstrap interval.
func TestProbeShift(t *testing.T) {
	open := embORT(t)
	s, err := suite.Load(filepath.Join("testdata", "embedding", "probe_shift.yaml"))
	require.NoError(t, err)
	const limit = 400
	res, err := Run(context.Background(), s, Options{OutDir: t.TempDir(), Open: open, Limit: limit})
	require.NoError(t, err)

	var clean, shift *result.Evaluation
	for i := range res.Evaluations {
		ev := &res.Evaluations[i]
		require.Equal(t, "fmnist-encoder+logreg", ev.Model)
		switch ev.Variant {
		case "clean":
			clean = ev
		case "shift:fmnist-test-dim":
			shift = ev
		}
	}
	require.NotNil(t, clean, "clean evaluation")
	require.NotNil(t, shift, "shift evaluation")
	assert.Equal(t, "fmnist-test", clean.Dataset)
	assert.Equal(t, "fmnist-test-dim", shift.Dataset)
	assert.Equal(t, limit, shift.N)
	cacc, ok := clean.Metric("accuracy")
	require.True(t, ok)
	sacc, ok := shift.Metric("accuracy")
	require.True(t, ok)
	require.NotNil(t, sacc.CI, "shift accuracy has its own interval")

	// The same probe, computed directly.
	r := newRunner(s, Options{OutDir: t.TempDir(), Open: open, Limit: limit})
	m, _ := s.Model("fmnist-encoder")
	om, err := open(s.Resolve(m.Path), s.Runtime)
	require.NoError(t, err)
	defer om.Model.Close()
	task := &s.Tasks[0]
	embed := func(name string) *embedded {
		d, ok := s.Dataset(name)
		require.True(t, ok, name)
		e, err := embedForTest(context.Background(), r, m, om, task, d, true)
		require.NoError(t, err)
		return e
	}
	train, test, dim := embed("fmnist-calib"), embed("fmnist-test"), embed("fmnist-test-dim")
	y := train.labels()
	tr, va := tasks.SplitValidation(y, 10, task.Probe.ValidationFraction, s.Seed)
	fit, err := tasks.FitProbe("logreg", train.x.Subset(tr), pick(y, tr), train.x.Subset(va), pick(y, va), 10, tasks.ProbeConfig{Cs: []float64{1}})
	require.NoError(t, err)
	probe, err := refit(fit, train.x, y, 10)
	require.NoError(t, err)
	accuracy := func(e *embedded) float64 {
		p := probe.PredictProba(e.x, nil)
		correct := 0
		for i, lab := range e.labels() {
			best := 0
			for c := 1; c < 10; c++ {
				if p[i*10+c] > p[i*10+best] {
					best = c
				}
			}
			if best == lab {
				correct++
			}
		}
		return float64(correct) / float64(e.x.N)
	}
	assert.InDelta(t, accuracy(test), float64(cacc.Value), 1e-12, "clean accuracy vs the probe computed directly")
	assert.InDelta(t, accuracy(dim), float64(sacc.Value), 1e-12, "shift accuracy vs the probe computed directly")
	assert.NotEqual(t, float64(cacc.Value), float64(sacc.Value), "dimming changes the predictions (else the test shows nothing)")

	// The robustness summary: ID–OOD gap with an interval.
	require.Len(t, res.Robustness, 1)
	rb := res.Robustness[0]
	assert.Equal(t, "fashion-probe-shift", rb.Task)
	got := map[string]result.Metric{}
	for _, mv := range rb.Summary {
		got[mv.Name] = mv
	}
	ood, ok := got["ood:fmnist-test-dim"]
	require.True(t, ok, "ood metric in %v", rb.Summary)
	assert.Equal(t, sacc.Value, ood.Value)
	gap, ok := got["id_ood_gap:fmnist-test-dim"]
	require.True(t, ok, "id_ood_gap in %v", rb.Summary)
	assert.InDelta(t, float64(cacc.Value-sacc.Value), float64(gap.Value), 1e-12)
	require.NotNil(t, gap.CI, "id_ood_gap has an interval")
	t.Logf("clean accuracy %.4f, shift accuracy %.4f, gap %.4f [%.4f, %.4f]", cacc.Value, sacc.Value, gap.Value, gap.CI.Low, gap.CI.High)
	assert.LessOrEqual(t, float64(gap.CI.Low), float64(gap.Value))
	assert.GreaterOrEqual(t, float64(gap.CI.High), float64(gap.Value))
	assert.Less(t, float64(gap.CI.Low), float64(gap.CI.High))
	_, ok = got["effective_robustness:fmnist-test-dim"]
	assert.True(t, ok, "effective robustness reported (undefined with one model)")
}
