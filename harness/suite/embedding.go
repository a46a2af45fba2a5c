package suite

import (
	"fmt"
	"strings"

	"github.com/evalctl/evalctl/tasks"
)

// EmbeddingSpec says which model output holds the representation and how
// it becomes one vector per example (kinds probe, retrieval, weat).
type EmbeddingSpec struct {
	// Output names the representation output (last_hidden_state,
	// pooler_output, embedding, ...; default: the model's only output, or
	// the first of pooler_output, sentence_embedding, embedding(s),
	// last_hidden_state).
	Output string `yaml:"output"`
	// Pooling: none, cls, mean or max (default: none for a [batch, dim]
	// output, mean over the attention mask for [batch, tokens, dim]).
	Pooling tasks.Pooling `yaml:"pooling"`
	// Normalize divides each vector by its L2 norm.
	Normalize bool `yaml:"normalize"`
}

// ProbeSpec configures probes on frozen embeddings (kind probe). The task's
// dataset is the test split.
type ProbeSpec struct {
	// Methods to fit: logreg, knn, centroid (default [logreg]).
	Methods []tasks.ProbeMethod `yaml:"methods"`
	// Train names the labelled dataset the probes are fitted on (required;
	// never the task's own dataset).
	Train string `yaml:"train"`
	// Validation names a labelled dataset for choosing hyper-parameters;
	// without one, ValidationFraction of Train (stratified, seeded by the
	// suite seed) is held out, and the probe is refitted on all of Train
	// with the chosen value.
	Validation         string  `yaml:"validation"`
	ValidationFraction float64 `yaml:"validation_fraction"`
	// C is logreg's grid of inverse regularisation strengths (default
	// 0.01, 0.1, 1, 10, 100).
	C []float64 `yaml:"c"`
	// Neighbors is kNN's k, or a grid chosen on the validation split
	// (default [10]).
	Neighbors []int `yaml:"neighbors"`
	// Shots lists examples per class for k-shot learning curves (0 = all),
	// e.g. [1, 5, 10, 50, 0]; empty: no curve.
	Shots []int `yaml:"shots"`
	// Seeds is the number of random draws per k (default 5).
	Seeds int `yaml:"seeds"`
}

// RetrievalSpec configures kind retrieval. The task's dataset holds the
// queries; its id column names them.
type RetrievalSpec struct {
	// Corpus names the dataset of documents; its id column names them.
	Corpus string `yaml:"corpus"`
	// Qrels is a BEIR qrels TSV file: query-id, corpus-id, score (graded
	// relevance; a header line is skipped).
	Qrels string `yaml:"qrels"`
}

// WEATSpec configures kind weat. The task's dataset holds one row per word
// with its id column the word.
type WEATSpec struct {
	// Sets is a JSON file with the word sets: {"name", "X", "Y", "A", "B"}.
	Sets string `yaml:"sets"`
	// Samples is the permutation budget (default fairness.DefaultWEATSamples).
	Samples int `yaml:"samples"`
}

// embedding validates the representation sections of a task.
func (v *validator) embedding(p string, t *Task) {
	s := v.s
	if !tasks.IsEmbedding(t.Kind) {
		for _, x := range []struct {
			key string
			set bool
		}{{"embedding", t.Embedding != nil}, {"probe", t.Probe != nil}, {"retrieval", t.Retrieval != nil}, {"weat", t.WEAT != nil}} {
			if x.set {
				v.errorf(p+"."+x.key, ErrInvalid, "a %s section applies to kinds probe, retrieval and weat, not %s", x.key, t.Kind)
			}
		}
		return
	}
	if t.Embedding == nil {
		t.Embedding = &EmbeddingSpec{}
	}
	if t.Embedding.Pooling != "" {
		v.oneOf(p+".embedding.pooling", string(t.Embedding.Pooling), tasks.Poolings)
	}
	dsNames := make([]string, len(s.Datasets))
	for i, d := range s.Datasets {
		dsNames[i] = d.Name
	}
	labelled := func(path, name string) {
		if d, ok := s.Dataset(name); ok && d.Label == nil {
			v.errorf(path, ErrInvalid, "probes need labels, but dataset %q declares no label", name)
		}
	}
	switch tasks.Kind(t.Kind) {
	case tasks.Probe:
		if t.Probe == nil {
			v.errorf(p+".probe", ErrMissing, "probe section (at least probe.train, the labelled dataset the probe is fitted on)")
			return
		}
		pr := t.Probe
		if len(pr.Methods) == 0 {
			pr.Methods = []tasks.ProbeMethod{tasks.ProbeLogReg}
		}
		for i, m := range pr.Methods {
			v.oneOf(fmt.Sprintf("%s.probe.methods[%d]", p, i), string(m), tasks.ProbeMethods)
		}
		if pr.Train == "" {
			v.errorf(p+".probe.train", ErrMissing, "train (the labelled dataset the probe is fitted on)")
		} else {
			v.ref(p+".probe.train", pr.Train, "dataset", dsNames)
			labelled(p+".probe.train", pr.Train)
			if pr.Train == t.Dataset {
				v.errorf(p+".probe.train", ErrInvalid, "the probe's train split %q is the task's test dataset; fit on a separate split", pr.Train)
			}
		}
		if pr.Validation != "" {
			v.ref(p+".probe.validation", pr.Validation, "dataset", dsNames)
			labelled(p+".probe.validation", pr.Validation)
			if pr.Validation == t.Dataset {
				v.errorf(p+".probe.validation", ErrInvalid, "the validation split %q is the task's test dataset", pr.Validation)
			}
		}
		labelled(p+".dataset", t.Dataset)
		if pr.ValidationFraction == 0 {
			pr.ValidationFraction = 0.2
		}
		if pr.ValidationFraction < 0 || pr.ValidationFraction >= 1 {
			v.errorf(p+".probe.validation_fraction", ErrInvalid, "%v (want a fraction in (0, 1))", pr.ValidationFraction)
		}
		for i, c := range pr.C {
			if !(c > 0) {
				v.errorf(fmt.Sprintf("%s.probe.c[%d]", p, i), ErrInvalid, "%v (want C > 0)", c)
			}
		}
		for i, n := range pr.Neighbors {
			if n < 1 {
				v.errorf(fmt.Sprintf("%s.probe.neighbors[%d]", p, i), ErrInvalid, "%d (want k >= 1)", n)
			}
		}
		for i, n := range pr.Shots {
			if n < 0 {
				v.errorf(fmt.Sprintf("%s.probe.shots[%d]", p, i), ErrInvalid, "%d (want examples per class >= 1, or 0 for all)", n)
			}
		}
		if pr.Seeds == 0 {
			pr.Seeds = 5
		}
		if pr.Seeds < 1 {
			v.errorf(p+".probe.seeds", ErrInvalid, "%d (want >= 1)", pr.Seeds)
		}
		if t.Robustness != nil && len(pr.Methods) > 1 {
			v.errorf(p+".robustness", ErrInvalid, "robustness summaries need one probe method per task (methods: %s); split the task", strings.Join(names(pr.Methods...), ", "))
		}
		if t.Robustness != nil {
			for i, name := range t.Robustness.Shift {
				labelled(fmt.Sprintf("%s.robustness.shift[%d]", p, i), name)
			}
		}

	case tasks.Retrieval:
		if t.Retrieval == nil || t.Retrieval.Corpus == "" || t.Retrieval.Qrels == "" {
			v.errorf(p+".retrieval", ErrMissing, "retrieval section with corpus (a dataset) and qrels (a BEIR qrels TSV)")
			return
		}
		v.ref(p+".retrieval.corpus", t.Retrieval.Corpus, "dataset", dsNames)
		v.file(p+".retrieval.qrels", t.Retrieval.Qrels)
	case tasks.WEAT:
		if t.WEAT == nil || t.WEAT.Sets == "" {
			v.errorf(p+".weat.sets", ErrMissing, "weat.sets (a JSON file with word sets X, Y, A, B)")
			return
		}
		v.file(p+".weat.sets", t.WEAT.Sets)
		if t.WEAT.Samples < 0 {
			v.errorf(p+".weat.samples", ErrInvalid, "%d (want >= 1)", t.WEAT.Samples)
		}
	}
	if tasks.Kind(t.Kind) != tasks.Probe {
		for _, x := range []struct {
			key string
			set bool
		}{{"robustness", t.Robustness != nil}, {"fairness", t.Fairness != nil}, {"calibration.dataset", t.Calibration.Dataset != ""}} {
			if x.set {
				v.errorf(p+"."+x.key, ErrInvalid, "%s is not supported for kind %s", x.key, t.Kind)
			}
		}
	}
}
