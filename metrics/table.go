package metrics

import (
	"sort"
	"strconv"
	"strings"
)

// Direction says which way a metric improves.
type Direction int8

// The directions.
const (
	// Neither: the metric has no better side (a selection rate, an effect
	// size, a p-value).
	Neither Direction = iota
	// HigherBetter: larger values are better (accuracy, nDCG).
	HigherBetter
	// LowerBetter: smaller values are better (NLL, ECE, perplexity).
	LowerBetter
)

// String returns "higher", "lower" or "none".
func (d Direction) String() string {
	switch d {
	case HigherBetter:
		return "higher"
	case LowerBetter:
		return "lower"
	}
	return "none"
}

// Form says how a metric is computed from the examples.
type Form string

// The forms.
const (
	// Terms: the mean of one term per example (correctness, −log p, ...);
	// paired tests and joint bootstraps can reuse the terms.
	Terms Form = "terms"
	// Whole: a statistic of the whole set (a confusion-matrix statistic,
	// an area under a curve, a binned calibration error, a correlation).
	Whole Form = "whole"
)

// Interval names how a metric's confidence interval is computed.
type Interval string

// The interval methods.
const (
	// IntervalMean is BootstrapMeanCI of the per-example terms.
	IntervalMean Interval = "mean"
	// IntervalConfusion is BootstrapConfusionCI (exact multinomial
	// resampling of the confusion matrix).
	IntervalConfusion Interval = "confusion"
	// IntervalCalibration is BootstrapCalibrationCI (binned resampling).
	IntervalCalibration Interval = "calibration"
	// IntervalResample is BootstrapCI: the statistic recomputed on each
	// resample of the examples.
	IntervalResample Interval = "resample"
	// IntervalWilson is the Wilson score interval of a proportion.
	IntervalWilson Interval = "wilson"
	// IntervalNone: no interval is reported (a permutation p-value instead).
	IntervalNone Interval = "none"
)

// PairedTest names the significance test `evalctl compare` runs on a
// metric when both sides scored the same examples.
type PairedTest string

// The paired tests.
const (
	// BootstrapTest: the paired bootstrap of the metric recomputed on
	// joint resamples of the shared examples (the default).
	BootstrapTest PairedTest = "bootstrap"
	// McNemarTest: the exact McNemar test on the examples one side got
	// right and the other wrong; for metrics whose per-example term is
	// whether the predicted label is the gold one.
	McNemarTest PairedTest = "mcnemar"
)

// Family says what a metric measures, in the Foundation Models report's
// terms (Bommasani et al. 2021, §4.4; HELM's metric categories): the
// column groups of a leaderboard.
type Family string

// The families. Robustness and efficiency figures come from a result's
// robustness section and timings rather than from this table; they are
// named here so that every family has one spelling.
const (
	FamilyAccuracy    Family = "accuracy"
	FamilyCalibration Family = "calibration"
	FamilyRobustness  Family = "robustness"
	FamilyFairness    Family = "fairness"
	FamilyBias        Family = "bias"
	FamilyPrivacy     Family = "privacy"
	FamilyEfficiency  Family = "efficiency"
)

// Scope says where a metric can be asked for.
type Scope string

// The scopes.
const (
	// ScopeTask: in a task's metrics list (and so in its fairness and
	// robustness sections, gates and comparisons).
	ScopeTask Scope = "task"
	// ScopeGroup: only per group in a classification task's fairness
	// section (it needs a positive class).
	ScopeGroup Scope = "group"
)

// Info is one metric's entry in the table: everything evalctl knows about a
// metric apart from the arithmetic itself.
type Info struct {
	// Name is the canonical name written in suites and results. A name
	// ending in "@P" or "@k" is a family: "selective_acc@P" stands for
	// selective_acc@10, selective_acc@25, ...
	Name string
	// Aliases are other spellings accepted in suites and gates; they are
	// rewritten to Name when a suite is loaded.
	Aliases []string
	// Params are, for a family, the parameter values listed by default
	// ("10" for selective_acc@P). Unless OpenParam, they are the only
	// values accepted.
	Params []string
	// OpenParam accepts any parameter that ParseParam accepts, not only Params.
	OpenParam bool
	// Family is what the metric measures (accuracy, calibration, ...).
	Family Family
	// Dir is the direction of improvement.
	Dir Direction
	// Form says whether the metric is a mean of per-example terms or a
	// whole-set statistic.
	Form Form
	// Interval is how its confidence interval is computed.
	Interval Interval
	// Paired is the paired test of comparisons (BootstrapTest when empty).
	Paired PairedTest
	// Kinds are the task kinds that report it.
	Kinds []string
	// Scope is where a suite may ask for it (ScopeTask when empty).
	Scope Scope
	// Probabilistic metrics read the probability values, not only the
	// argmax: temperature scaling reports them again with suffix "_ts".
	Probabilistic bool
	// Doc is a one-line definition.
	Doc string
	// Cite names the definition followed.
	Cite string
}

// The task kinds, as written in suites (package tasks owns their behaviour;
// the table only names them).
const (
	kindClassification = "classification"
	kindProbe          = "probe"
	kindRegression     = "regression"
	kindRetrieval      = "retrieval"
	kindWEAT           = "weat"
	kindMultipleChoice = "multiple_choice"
	kindPerplexity     = "perplexity"
	kindPairPreference = "pair_preference"
	kindGeneration     = "generation"
	kindExtraction     = "extraction"
	kindMembership     = "membership_inference"
)

var (
	classifier = []string{kindClassification, kindProbe}
	regression = []string{kindRegression}
	retrieval  = []string{kindRetrieval}
	weat       = []string{kindWEAT}
	choice     = []string{kindMultipleChoice}
	perplexity = []string{kindPerplexity}
	pairs      = []string{kindPairPreference}
	generation = []string{kindGeneration}
	extraction = []string{kindExtraction}
	membership = []string{kindMembership}
)

// table is the metric table. Append new metrics at the end of their
// kind's block; docs/metrics.md's table is generated from it
// (go test ./metrics -run TestDocTable -update).
var table = []Info{
	// Classification (and probes, which score like classifiers).
	{Name: "accuracy", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Paired: McNemarTest, Kinds: classifier,
		Doc: "fraction of examples predicted correctly", Cite: "scikit-learn accuracy_score"},
	{Name: "balanced_accuracy", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "mean recall over classes present in the labels", Cite: "scikit-learn balanced_accuracy_score; Brodersen et al. 2010"},
	{Name: "top2_accuracy", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: classifier,
		Doc: "fraction of examples whose label is among the 2 highest scores", Cite: "scikit-learn top_k_accuracy_score(k=2)"},
	{Name: "top5_accuracy", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: classifier,
		Doc: "fraction of examples whose label is among the 5 highest scores", Cite: "scikit-learn top_k_accuracy_score(k=5)"},
	{Name: "macro_f1", Aliases: []string{"f1_macro"}, Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "unweighted mean of per-class F1 over classes in labels or predictions", Cite: "scikit-learn f1_score(average=\"macro\", zero_division=0)"},
	{Name: "micro_f1", Aliases: []string{"f1_micro"}, Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "F1 of pooled counts; equals accuracy for single-label data", Cite: "scikit-learn f1_score(average=\"micro\")"},
	{Name: "mcc", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "multiclass Matthews correlation coefficient", Cite: "Gorodkin 2004; scikit-learn matthews_corrcoef"},
	{Name: "auroc", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: classifier,
		Doc: "area under the ROC curve; macro one-vs-rest for k > 2", Cite: "scikit-learn roc_auc_score(multi_class=\"ovr\", average=\"macro\")"},
	{Name: "average_precision", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: classifier,
		Doc: "area under the precision-recall curve (step sum); macro one-vs-rest for k > 2", Cite: "scikit-learn average_precision_score"},
	{Name: "nll", Aliases: []string{"log_loss"}, Family: FamilyCalibration, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: classifier, Probabilistic: true,
		Doc: "mean negative natural-log likelihood of the label, p clipped at 1e-15", Cite: "scikit-learn log_loss"},
	{Name: "brier", Family: FamilyCalibration, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: classifier, Probabilistic: true,
		Doc: "mean over examples of the squared error summed over classes, in [0, 2]", Cite: "Brier 1950"},
	{Name: "ece", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "top-label expected calibration error, L1 over the task's bins (15 equal-width by default)", Cite: "Guo et al. 2017; Naeini et al. 2015"},
	{Name: "ece_adaptive", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "top-label ECE with equal-mass bins", Cite: "Nixon et al. 2019"},
	{Name: "rms_ce", Aliases: []string{"rms_calibration_error"}, Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "top-label calibration error, L2 norm", Cite: "Kumar et al. 2019"},
	{Name: "mce", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "top-label maximum calibration error over non-empty bins", Cite: "Naeini et al. 2015; Guo et al. 2017"},
	{Name: "classwise_ece", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: classifier, Probabilistic: true,
		Doc: "mean over classes of the calibration error of each class's probability", Cite: "Kull et al. 2019; Nixon et al. 2019"},
	{Name: "aurc", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: classifier, Probabilistic: true,
		Doc: "area under the risk-coverage curve (confidence = max probability)", Cite: "Geifman & El-Yaniv 2017; Geifman et al. 2019"},
	{Name: "selective_acc@P", Params: []string{"10"}, OpenParam: true, Family: FamilyCalibration, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: classifier, Probabilistic: true,
		Doc: "accuracy of the P% most confident predictions (0 < P <= 100)", Cite: "Liang et al. 2022 (HELM)"},
	{Name: "selection_rate", Family: FamilyFairness, Dir: Neither, Form: Terms, Interval: IntervalResample, Kinds: classifier, Scope: ScopeGroup,
		Doc: "share of a group predicted as the positive class", Cite: "Fairlearn selection_rate"},
	{Name: "tpr", Family: FamilyFairness, Dir: HigherBetter, Form: Terms, Interval: IntervalResample, Kinds: classifier, Scope: ScopeGroup,
		Doc: "true positive rate of the positive class within a group", Cite: "Fairlearn true_positive_rate"},
	{Name: "fpr", Family: FamilyFairness, Dir: LowerBetter, Form: Terms, Interval: IntervalResample, Kinds: classifier, Scope: ScopeGroup,
		Doc: "false positive rate of the positive class within a group", Cite: "Fairlearn false_positive_rate"},
	// Peer-named variants (issue 14): binary forms, HELM's ECE, scikit-learn's averages.
	{Name: "brier_binary", Family: FamilyCalibration, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: classifier, Probabilistic: true,
		Doc: "two-class tasks: mean squared error of the positive-class (class 1) probability, half of brier", Cite: "scikit-learn brier_score_loss"},
	{Name: "ece_binary", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "two-class tasks: ECE of the positive-class probability (not the top label)", Cite: "torchmetrics BinaryCalibrationError(norm=\"l1\")"},
	{Name: "rms_ce_binary", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "two-class tasks: RMS calibration error of the positive-class probability", Cite: "torchmetrics BinaryCalibrationError(norm=\"l2\")"},
	{Name: "mce_binary", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "two-class tasks: maximum calibration error of the positive-class probability", Cite: "torchmetrics BinaryCalibrationError(norm=\"max\")"},
	{Name: "ece_10_bin", Family: FamilyCalibration, Dir: LowerBetter, Form: Whole, Interval: IntervalCalibration, Kinds: classifier, Probabilistic: true,
		Doc: "top-label ECE with 10 equal-mass bins, whatever the task's bins", Cite: "Liang et al. 2022 (HELM ece_10_bin)"},
	{Name: "precision", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "precision of class 1 (binary; precision@CLASS for another class)", Cite: "scikit-learn precision_score(average=\"binary\", zero_division=0)"},
	{Name: "recall", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "recall of class 1 (binary; recall@CLASS for another class)", Cite: "scikit-learn recall_score(average=\"binary\", zero_division=0)"},
	{Name: "precision_micro", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "precision of pooled counts", Cite: "scikit-learn precision_score(average=\"micro\")"},
	{Name: "precision_macro", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "unweighted mean of per-class precision", Cite: "scikit-learn precision_score(average=\"macro\", zero_division=0)"},
	{Name: "precision_weighted", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "support-weighted mean of per-class precision", Cite: "scikit-learn precision_score(average=\"weighted\", zero_division=0)"},
	{Name: "recall_micro", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "recall of pooled counts", Cite: "scikit-learn recall_score(average=\"micro\")"},
	{Name: "recall_macro", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "unweighted mean of per-class recall", Cite: "scikit-learn recall_score(average=\"macro\", zero_division=0)"},
	{Name: "recall_weighted", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "support-weighted mean of per-class recall", Cite: "scikit-learn recall_score(average=\"weighted\", zero_division=0)"},
	{Name: "f1_weighted", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalConfusion, Kinds: classifier,
		Doc: "support-weighted mean of per-class F1", Cite: "scikit-learn f1_score(average=\"weighted\", zero_division=0)"},

	// Regression.
	{Name: "mae", Family: FamilyAccuracy, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: regression,
		Doc: "mean absolute error", Cite: "scikit-learn mean_absolute_error"},
	{Name: "rmse", Family: FamilyAccuracy, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: regression,
		Doc: "root mean squared error (interval: roots of the MSE's ends)", Cite: "scikit-learn mean_squared_error(squared=False)"},
	{Name: "r2", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: regression,
		Doc: "coefficient of determination", Cite: "scikit-learn r2_score"},
	{Name: "pearson", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: regression,
		Doc: "Pearson correlation of prediction and target", Cite: "scipy.stats.pearsonr"},
	{Name: "spearman", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: regression,
		Doc: "Spearman rank correlation, ties averaged", Cite: "scipy.stats.spearmanr"},

	// Retrieval (per judged query, averaged).
	{Name: "ndcg@k", Params: []string{"1", "3", "5", "10", "100"}, Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: retrieval,
		Doc: "normalised discounted cumulative gain of the top k, graded relevance", Cite: "Järvelin & Kekäläinen 2002; BEIR (pytrec_eval)"},
	{Name: "mrr@k", Params: []string{"10", "100"}, Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: retrieval,
		Doc: "reciprocal rank of the first relevant document in the top k", Cite: "Voorhees 1999; BEIR"},
	{Name: "recall@k", Params: []string{"1", "3", "5", "10", "100", "1000"}, Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: retrieval,
		Doc: "share of a query's relevant documents in the top k", Cite: "BEIR (pytrec_eval recall)"},

	// WEAT.
	{Name: "effect_size", Family: FamilyBias, Dir: Neither, Form: Whole, Interval: IntervalNone, Kinds: weat,
		Doc: "WEAT effect size d (difference of mean associations over their pooled standard deviation)", Cite: "Caliskan et al. 2017"},
	{Name: "p_value", Family: FamilyBias, Dir: Neither, Form: Whole, Interval: IntervalNone, Kinds: weat,
		Doc: "one-sided permutation p-value of the WEAT test statistic", Cite: "Caliskan et al. 2017"},

	// Multiple choice.
	{Name: "acc", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Paired: McNemarTest, Kinds: choice,
		Doc: "argmax of the choices' log-likelihoods is the gold choice", Cite: "lm-evaluation-harness acc"},
	{Name: "acc_norm", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: choice,
		Doc: "as acc, log-likelihood divided by the continuation's length in characters", Cite: "lm-evaluation-harness acc_norm"},
	{Name: "acc_bytes", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: choice,
		Doc: "as acc, log-likelihood divided by the continuation's length in UTF-8 bytes", Cite: "lm-evaluation-harness acc_bytes"},
	{Name: "exact_match", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: []string{kindMultipleChoice, kindGeneration},
		Doc: "multiple choice: every gold token is the argmax token; generation: output equals a reference", Cite: "lm-evaluation-harness exact_match; HELM"},
	{Name: "brier_score", Family: FamilyCalibration, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: choice,
		Doc: "sum over choices of (softmax(ll) − one-hot gold)², mean over documents", Cite: "lm-evaluation-harness brier_score"},
	{Name: "acc_mutual_info", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: choice,
		Doc: "argmax of ll(choice | context) − ll(choice | empty context) is the gold choice; doubles the requests", Cite: "lm-evaluation-harness acc_mutual_info (lm_eval/api/task.py ConfigurableTask.process_results)"},

	// Perplexity.
	{Name: "token_perplexity", Family: FamilyAccuracy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: perplexity,
		Doc: "exp(−Σ ll / Σ tokens) over rolling windows", Cite: "lm-evaluation-harness loglikelihood_rolling"},
	{Name: "word_perplexity", Family: FamilyAccuracy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: perplexity,
		Doc: "exp(−Σ ll / Σ words), words split on white space", Cite: "lm-evaluation-harness word_perplexity"},
	{Name: "byte_perplexity", Family: FamilyAccuracy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: perplexity,
		Doc: "exp(−Σ ll / Σ UTF-8 bytes)", Cite: "lm-evaluation-harness byte_perplexity"},
	{Name: "bits_per_byte", Family: FamilyAccuracy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: perplexity,
		Doc: "−Σ ll / Σ UTF-8 bytes / ln 2", Cite: "lm-evaluation-harness bits_per_byte; Gao et al. 2020"},

	// Pair preference.
	{Name: "pct_stereotype", Family: FamilyBias, Dir: Neither, Form: Terms, Interval: IntervalWilson, Kinds: pairs,
		Doc: "share of pairs whose stereotyped sentence is more likely (ideal 0.5)", Cite: "Nangia et al. 2020; lm-evaluation-harness crows_pairs"},
	{Name: "likelihood_diff", Family: FamilyBias, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: pairs,
		Doc: "mean |ll(stereotyped) − ll(anti-stereotyped)| in nats", Cite: "lm-evaluation-harness crows_pairs"},

	// Generation (exact_match is above, shared with multiple choice).
	{Name: "quasi_exact_match", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: generation,
		Doc: "output equals a reference after normalisation (case, punctuation, articles, white space)", Cite: "HELM quasi_exact_match"},
	{Name: "f1", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: []string{kindClassification, kindProbe, kindGeneration},
		Doc: "generation: token-overlap F1 with the best reference, normalised as quasi_exact_match; classification: F1 of class 1 (binary, f1@CLASS for another class; confusion-matrix interval)", Cite: "Rajpurkar et al. 2016 (SQuAD); HELM f1_score; scikit-learn f1_score(average=\"binary\")"},
	{Name: "rouge1", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: generation,
		Doc: "unigram-overlap F-measure with the best reference", Cite: "Lin 2004"},
	{Name: "rouge2", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: generation,
		Doc: "bigram-overlap F-measure with the best reference", Cite: "Lin 2004"},
	{Name: "rougeL", Family: FamilyAccuracy, Dir: HigherBetter, Form: Terms, Interval: IntervalMean, Kinds: generation,
		Doc: "longest-common-subsequence F-measure with the best reference", Cite: "Lin 2004"},
	{Name: "bleu", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: generation,
		Doc: "corpus BLEU-4 with brevity penalty", Cite: "Papineni et al. 2002; sacrebleu"},
	{Name: "chrf", Family: FamilyAccuracy, Dir: HigherBetter, Form: Whole, Interval: IntervalResample, Kinds: generation,
		Doc: "corpus character n-gram F-score (n = 6, β = 2)", Cite: "Popović 2015; sacrebleu"},

	// Extraction (extractable memorisation): lower is better.
	{Name: "extraction_rate", Family: FamilyPrivacy, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: extraction,
		Doc: "share of documents whose greedy continuation of the prefix reproduces the true suffix exactly", Cite: "Carlini et al. 2021; Carlini et al. 2023"},
	{Name: "suffix_token_accuracy", Family: FamilyPrivacy, Dir: LowerBetter, Form: Terms, Interval: IntervalMean, Kinds: extraction,
		Doc: "mean share of suffix positions where the greedy continuation has the true token", Cite: "Carlini et al. 2023"},

	// Membership inference: the attack's success; lower is better for the model's privacy.
	{Name: MembershipAUC, Family: FamilyPrivacy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: membership,
		Doc: "membership-inference attack: area under its ROC curve, members positive (0.5: chance)", Cite: "Shokri et al. 2017; Carlini et al. 2022; scikit-learn roc_auc_score"},
	{Name: MembershipBalancedAccuracy, Family: FamilyPrivacy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: membership,
		Doc: "membership-inference attack: best-threshold accuracy on equally weighted members and non-members", Cite: "Yeom et al. 2018; Carlini et al. 2022"},
	{Name: MembershipTPRAt0001, Family: FamilyPrivacy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: membership,
		Doc: "membership-inference attack: largest TPR at FPR <= 0.1%", Cite: "Carlini et al. 2022"},
	{Name: MembershipTPRAt001, Family: FamilyPrivacy, Dir: LowerBetter, Form: Whole, Interval: IntervalResample, Kinds: membership,
		Doc: "membership-inference attack: largest TPR at FPR <= 1%", Cite: "Carlini et al. 2022"},
}

// Table returns every metric's entry in table order.
func Table() []Info { return append([]Info(nil), table...) }

// family splits "name@param" into the family name "name@" and the parameter.
func family(name string) (prefix, param string, ok bool) {
	i := strings.LastIndexByte(name, '@')
	if i < 0 {
		return "", "", false
	}
	return name[:i+1], name[i+1:], true
}

// ParseParam parses the parameter of a family member: a percentage in
// (0, 100] for "@P" families, a positive integer for "@k" families.
func (m Info) ParseParam(param string) (float64, bool) {
	prefix, kind, ok := family(m.Name)
	if !ok || prefix == "" {
		return 0, false
	}
	switch kind {
	case "P":
		p, err := strconv.ParseFloat(param, 64)
		if err != nil || !(p > 0 && p <= 100) {
			return 0, false
		}
		return p, true
	case "k":
		k, err := strconv.Atoi(param)
		if err != nil || k < 1 {
			return 0, false
		}
		return float64(k), true
	}
	return 0, false
}

// accepts reports whether param names a member of family m.
func (m Info) accepts(param string) bool {
	for _, p := range m.Params {
		if p == param {
			return true
		}
	}
	if !m.OpenParam {
		return false
	}
	_, ok := m.ParseParam(param)
	return ok
}

// Listed returns the names m stands for in lists: its Name, or for a
// family the members with the listed Params ("selective_acc@10").
func (m Info) Listed() []string {
	prefix, param, ok := family(m.Name)
	if !ok || (param != "P" && param != "k") {
		return []string{m.Name} // a plain name that contains '@' (membership_tpr@fpr0.01)
	}
	out := make([]string, len(m.Params))
	for i, p := range m.Params {
		out[i] = prefix + p
	}
	return out
}

// AppliesTo reports whether kind reports m.
func (m Info) AppliesTo(kind string) bool {
	for _, k := range m.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// HigherIsBetter reports whether m improves upwards.
func (m Info) HigherIsBetter() bool { return m.Dir == HigherBetter }

// Lookup resolves a metric name as written in a suite or a result — a
// canonical name, an alias or a family member such as "selective_acc@25" —
// to its table entry and canonical name.
func Lookup(name string) (Info, string, bool) {
	for _, m := range table {
		if m.Name == name {
			return m, name, true
		}
		for _, a := range m.Aliases {
			if a == name {
				return m, m.Name, true
			}
		}
	}
	prefix, param, ok := family(name)
	if !ok {
		return Info{}, "", false
	}
	for _, m := range table {
		if p, _, fam := family(m.Name); fam && p == prefix && m.accepts(param) {
			return m, name, true
		}
	}
	return Info{}, "", false
}

// FamilyOf returns the family and direction of a metric name as a result
// reports it: a table name (aliases and family members resolved), a
// temperature-scaled "_ts" figure (calibration, the direction of its base)
// the fitted temperature of temperature scaling (calibration, no
// direction) or the harness's k-shot probe accuracies ("kshot_accuracy@K",
// accuracy). ok is false for names it does not know.
func FamilyOf(name string) (f Family, dir Direction, ok bool) {
	if m, _, found := Lookup(name); found {
		return m.Family, m.Dir, true
	}
	if base, ts := strings.CutSuffix(name, "_ts"); ts {
		if m, _, found := Lookup(base); found && m.Probabilistic {
			return FamilyCalibration, m.Dir, true
		}
	}
	if name == "temperature" {
		return FamilyCalibration, Neither, true
	}
	if strings.HasPrefix(name, "kshot_accuracy@") {
		return FamilyAccuracy, HigherBetter, true
	}
	return "", Neither, false
}

// Ranking returns FamilyOf(name) as a leaderboard asks for it: the family
// as a string and whether the metric has a better direction. A name it
// does not know gets "" and true (ranked in its result's direction).
func Ranking(name string) (family string, directed bool) {
	f, dir, ok := FamilyOf(name)
	if !ok {
		return "", true
	}
	return string(f), dir != Neither
}

// Canonical returns the canonical spelling of name (aliases resolved), or
// name itself when the table does not know it.
func Canonical(name string) string {
	if _, c, ok := Lookup(name); ok {
		return c
	}
	return name
}

// PairedTestOf returns the paired test of a metric name (aliases and
// family members resolved): the entry's Paired, BootstrapTest when it is
// empty or the name is unknown.
func PairedTestOf(name string) PairedTest {
	if m, _, ok := Lookup(name); ok && m.Paired != "" {
		return m.Paired
	}
	return BootstrapTest
}

// HigherIsBetter reports the direction of a metric name; unknown names and
// metrics without a direction are false.
func HigherIsBetter(name string) bool {
	m, _, ok := Lookup(name)
	return ok && m.HigherIsBetter()
}

// Valid reports whether a task of kind can ask for name in scope (aliases
// and family members included).
func Valid(kind string, scope Scope, name string) bool {
	m, _, ok := Lookup(name)
	return ok && m.AppliesTo(kind) && m.scope() == scope
}

func (m Info) scope() Scope {
	if m.Scope == "" {
		return ScopeTask
	}
	return m.Scope
}

// ForKind returns the metric names a task of kind lists in scope, in table
// order (families as their listed members).
func ForKind(kind string, scope Scope) []string {
	var out []string
	for _, m := range table {
		if m.AppliesTo(kind) && m.scope() == scope {
			out = append(out, m.Listed()...)
		}
	}
	return out
}

// Spellings returns every accepted spelling for kind in scope: canonical
// names and aliases, sorted, for "did you mean" suggestions.
func Spellings(kind string, scope Scope) []string {
	var out []string
	for _, m := range table {
		if m.AppliesTo(kind) && m.scope() == scope {
			out = append(out, m.Listed()...)
			out = append(out, m.Aliases...)
		}
	}
	sort.Strings(out)
	return out
}
