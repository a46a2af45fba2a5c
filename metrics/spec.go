package metrics

import (
	"math"
	"sort"
)

// Spec describes one metric for reports, gates and suite validation.
type Spec struct {
	// Name is the metric's key in suites and results, for example "ece".
	Name string `json:"name"`
	// HigherIsBetter is the direction of improvement.
	HigherIsBetter bool `json:"higher_is_better"`
	// Range is the metric's [min, max]; ±Inf where unbounded.
	Range [2]float64 `json:"range"`
	// Description is a one-line definition.
	Description string `json:"description"`
	// Citation names the definition followed.
	Citation string `json:"citation"`
	// Uncertainty says how its CI is computed: "confusion" (exact
	// BootstrapConfusionCI), "mean" (BootstrapMeanCI of per-example terms) or
	// "resample" (BootstrapCI over examples).
	Uncertainty string `json:"uncertainty"`
}

var inf = math.Inf(1)

var specs = []Spec{
	{"accuracy", true, [2]float64{0, 1}, "fraction of examples predicted correctly", "scikit-learn accuracy_score", "confusion"},
	{"balanced_accuracy", true, [2]float64{0, 1}, "mean recall over classes present in the labels", "scikit-learn balanced_accuracy_score; Brodersen et al. 2010", "confusion"},
	{"top_k_accuracy", true, [2]float64{0, 1}, "fraction of examples whose label is among the k highest scores", "scikit-learn top_k_accuracy_score", "mean"},
	{"f1_macro", true, [2]float64{0, 1}, "unweighted mean of per-class F1 over classes in labels or predictions", "scikit-learn f1_score(average=\"macro\", zero_division=0)", "confusion"},
	{"f1_micro", true, [2]float64{0, 1}, "F1 of pooled counts; equals accuracy for single-label data", "scikit-learn f1_score(average=\"micro\")", "confusion"},
	{"precision", true, [2]float64{0, 1}, "per-class TP/(TP+FP), 0 when undefined", "scikit-learn precision_score(average=None, zero_division=0)", "confusion"},
	{"recall", true, [2]float64{0, 1}, "per-class TP/(TP+FN), 0 when undefined", "scikit-learn recall_score(average=None, zero_division=0)", "confusion"},
	{"mcc", true, [2]float64{-1, 1}, "multiclass Matthews correlation coefficient", "Gorodkin 2004; scikit-learn matthews_corrcoef", "confusion"},
	{"auroc", true, [2]float64{0, 1}, "area under the ROC curve; macro one-vs-rest for k > 2", "scikit-learn roc_auc_score(multi_class=\"ovr\", average=\"macro\")", "resample"},
	{"average_precision", true, [2]float64{0, 1}, "area under the precision-recall curve (step sum); macro one-vs-rest for k > 2", "scikit-learn average_precision_score", "resample"},
	{"nll", false, [2]float64{0, inf}, "mean negative natural-log likelihood of the label, p clipped at 1e-15", "scikit-learn log_loss", "mean"},
	{"brier", false, [2]float64{0, 2}, "mean over examples of the squared error summed over classes", "Brier 1950", "mean"},
	{"brier_binary", false, [2]float64{0, 1}, "mean squared error of the positive-class probability", "scikit-learn brier_score_loss", "mean"},
	{"ece", false, [2]float64{0, 1}, "top-label expected calibration error, 15 equal-width bins, L1", "Guo et al. 2017; Naeini et al. 2015", "resample"},
	{"ece_10_bin", false, [2]float64{0, 1}, "top-label ECE, 10 equal-mass bins, L1 (HELM)", "Liang et al. 2022 (HELM); Kumar et al. 2019", "resample"},
	{"ece_adaptive", false, [2]float64{0, 1}, "top-label ECE with equal-mass bins", "Nixon et al. 2019", "resample"},
	{"rms_calibration_error", false, [2]float64{0, 1}, "top-label calibration error, L2 norm", "Kumar et al. 2019", "resample"},
	{"mce", false, [2]float64{0, 1}, "top-label maximum calibration error over non-empty bins", "Naeini et al. 2015; Guo et al. 2017", "resample"},
	{"classwise_ece", false, [2]float64{0, 1}, "mean over classes of the calibration error of each class's probability", "Kull et al. 2019; Nixon et al. 2019", "resample"},
	{"ece_temperature_scaled", false, [2]float64{0, 1}, "ECE after temperature scaling fitted on a calibration split", "Guo et al. 2017", "resample"},
	{"aurc", false, [2]float64{0, 1}, "area under the risk-coverage curve", "Geifman & El-Yaniv 2017; Geifman et al. 2019", "resample"},
	{"selective_acc@10", true, [2]float64{0, 1}, "accuracy of the most confident 10% (index int(0.1n))", "Liang et al. 2022 (HELM)", "resample"},
	{"mae", false, [2]float64{0, inf}, "mean absolute error", "scikit-learn mean_absolute_error", "mean"},
	{"rmse", false, [2]float64{0, inf}, "root mean squared error", "scikit-learn mean_squared_error(squared=False)", "resample"},
	{"r2", true, [2]float64{-inf, 1}, "coefficient of determination", "scikit-learn r2_score", "resample"},
	{"pearson", true, [2]float64{-1, 1}, "Pearson correlation", "scipy.stats.pearsonr", "resample"},
	{"spearman", true, [2]float64{-1, 1}, "Spearman rank correlation, ties averaged", "scipy.stats.spearmanr", "resample"},
}

var specIndex = func() map[string]int {
	m := make(map[string]int, len(specs))
	for i, s := range specs {
		m[s.Name] = i
	}
	return m
}()

// Lookup returns the Spec of the named metric and whether it exists.
func Lookup(name string) (Spec, bool) {
	i, ok := specIndex[name]
	if !ok {
		return Spec{}, false
	}
	return specs[i], true
}

// Names returns the names of all metrics in Lookup's table, sorted.
func Names() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}
