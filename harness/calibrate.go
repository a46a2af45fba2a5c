package harness

import (
	"context"
	"fmt"

	"github.com/evalctl/evalctl/harness/suite"
)

// CalibrationKey is the predictions-sidecar key of a task's calibration split.
func CalibrationKey(model, task, dataset string) string {
	return model + "/" + task + "/calibration:" + dataset
}

// predictCalibration runs the model on the task's calibration split, on
// which summarise fits a temperature (Guo et al. 2017).
func (r *runner) predictCalibration(ctx context.Context, m *suite.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string) (*evalPreds, error) {
	cd, _ := r.s.Dataset(t.Calibration.Dataset)
	p, err := r.openPass(m, om, t, cd, dsHash[cd.Name], cleanVariant)
	if err != nil {
		return nil, fmt.Errorf("calibration split: %w", err)
	}
	p.progress = Progress{Model: m.Name, Task: t.Name, Variant: "calibration split " + cd.Name}
	calib, st, err := p.predict(ctx)
	if err != nil {
		return nil, fmt.Errorf("calibration split %q: %w", cd.Name, err)
	}
	return &evalPreds{key: CalibrationKey(m.Name, t.Name, cd.Name), groups: p.enc.gnames, preds: calib, resumed: st.resumed}, nil
}
