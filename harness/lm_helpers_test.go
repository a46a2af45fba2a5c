package harness

import (
	"context"

	"github.com/evalctl/evalctl/harness/dataset"
	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/harness/suite"
	"github.com/evalctl/evalctl/tasks"
)

// lmDoc is one record's language-model requests, as a test sees them.
type lmDoc struct {
	loc   string
	reqs  []tasks.LLRequest
	texts []tasks.TextLL
	gold  int
}

// docOf builds a record's requests through the kind's own code.
func docOf(lt *lmTask, rec dataset.Record) (*lmDoc, error) {
	reqs, _, texts, err := lt.requests(&rec)
	if err != nil {
		return nil, err
	}
	var p tasks.Prediction
	if err := lt.label(&rec, &p); err != nil {
		return nil, err
	}
	return &lmDoc{loc: rec.Loc, reqs: reqs, texts: texts, gold: p.Label}, nil
}

// lmRun is what scoreRequests measured.
type lmRun struct {
	batches   int
	tokens    int64
	latencies int
}

// scoreRequests runs requests through the LL engine's own batching and
// inference code (flush, infer) as one chunk, outside a pass.
func scoreRequests(ctx context.Context, m Model, sc *lmScorer, reqs []tasks.LLRequest) ([]llResult, lmRun, error) {
	st := &llChunk{reqs: reqs, owner: make([]int, len(reqs)), text: make([]reqText, len(reqs))}
	c := &chunk{locs: []string{"request"}, state: st}
	e := &llEngine{sc: sc}
	bs, err := e.flush(c)
	if err != nil {
		return nil, lmRun{}, err
	}
	var run lmRun
	for _, b := range bs {
		if err := e.infer(ctx, m, b, func() error { return nil }); err != nil {
			return nil, run, err
		}
		run.batches++
		run.tokens += b.tokens
		if b.latency > 0 {
			run.latencies++
		}
	}
	return st.results, run, nil
}

// embedForTest runs one embedding pass of dataset d through the opened
// model, outside a run.
func embedForTest(ctx context.Context, r *runner, m *suite.Model, om *OpenedModel, t *suite.Task, d *suite.Dataset, label bool) (*embedded, error) {
	mr := &modelRun{m: m, mi: &result.Model{}, om: om, hash: "test"}
	need := labelOptional
	if label {
		need = labelClass
	}
	return r.embed(ctx, mr, r.embedPass(mr, t, d, cleanVariant, "clean", false, need))
}

// cached reports whether every vector of e came from the cache.
func (e *embedded) cached() bool { return len(e.preds) > 0 && e.stats.resumed == len(e.preds) }
