package harness

import (
	"context"
	"fmt"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
)

// temperatureScaled runs the model on the task's calibration split, fits a
// temperature there (Guo et al. 2017) and scores the test predictions after
// scaling.
func (r *runner) temperatureScaled(ctx context.Context, m *suite.Model, om *OpenedModel, t *suite.Task, dsHash map[string]string, clf *tasks.Classifier, test []tasks.Prediction) ([]result.Metric, error) {
	cd, _ := r.s.Dataset(t.Calibration.Dataset)
	p, err := r.openPass(m, om, t, cd, dsHash[cd.Name])
	if err != nil {
		return nil, fmt.Errorf("calibration split: %w", err)
	}
	p.progress = Progress{Model: m.Name, Task: t.Name, Variant: "calibration split " + cd.Name}
	calib, _, err := p.predict(ctx)
	if err != nil {
		return nil, fmt.Errorf("calibration split %q: %w", cd.Name, err)
	}
	ms, err := clf.TemperatureScaled(calib, test)
	if err != nil {
		return nil, fmt.Errorf("calibration split %q: %w", cd.Name, err)
	}
	return convertMetrics(ms), nil
}
