package tasks

import "github.com/evalctl/evalctl/metrics"

// Generation generates text from a prompt (greedy or sampled, with stop
// sequences) and scores it against references (lm-eval output_type
// generate_until; HELM's generation scenarios).
const Generation Kind = "generation"

// GenerationMetrics are the metric names of the generation kind (from the
// metric table).
var GenerationMetrics = metrics.ForKind(string(Generation), metrics.ScopeTask)

func init() {
	kinds[Generation] = kindInfo{defaults: []string{"exact_match", "f1"}}
}
