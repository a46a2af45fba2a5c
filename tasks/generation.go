package tasks

// Generation generates text from a prompt (greedy or sampled, with stop
// sequences) and scores it against references (lm-eval output_type
// generate_until; HELM's generation scenarios).
const Generation Kind = "generation"

// GenerationMetrics are the metric names of the generation kind.
var GenerationMetrics = []string{"exact_match", "quasi_exact_match", "f1", "rouge1", "rouge2", "rougeL", "bleu", "chrf"}

func init() {
	kinds[Generation] = kindInfo{metrics: GenerationMetrics, defaults: []string{"exact_match", "f1"}}
	for _, m := range GenerationMetrics {
		higherIsBetter[m] = true
	}
}
