package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
)

// vectorCase is one entry of testdata/vectors.json, written by
// testdata/gen_vectors.py from scikit-learn 1.2.1, scipy 1.10.1 and numpy
// transcriptions of published definitions (each case's Ref says which).
type vectorCase struct {
	Name     string  `json:"name"`
	Metric   string  `json:"metric"`
	Ref      string  `json:"ref"`
	K        int     `json:"k"`
	Label    *int    `json:"label"`
	Pred     *int    `json:"pred"`
	Probs    *int    `json:"probs"`
	Weights  *int    `json:"weights"`
	P1       *int    `json:"p1"`
	Conf     *int    `json:"conf"`
	Correct  *int    `json:"correct"`
	Target   *int    `json:"target"`
	ACorrect *int    `json:"a_correct"`
	BCorrect *int    `json:"b_correct"`
	TopK     int     `json:"topk"`
	Bins     int     `json:"bins"`
	Binning  string  `json:"binning"`
	Norm     string  `json:"norm"`
	TopLabel bool    `json:"top_label"`
	Coverage float64 `json:"coverage"`
	Error    bool    `json:"error"`
	Want     any     `json:"want"`
}

type vectorFile struct {
	Sklearn string            `json:"sklearn"`
	Arrays  []json.RawMessage `json:"arrays"`
	Cases   []vectorCase      `json:"cases"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var f vectorFile
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	return f
}

func arr[T any](t *testing.T, arrays []json.RawMessage, i *int) []T {
	t.Helper()
	if i == nil {
		return nil
	}
	var v []T
	require.NoError(t, json.Unmarshal(arrays[*i], &v))
	return v
}

func wantFloats(t *testing.T, w any) []float64 {
	switch v := w.(type) {
	case float64:
		return []float64{v}
	case []any:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x.(float64)
		}
		return out
	}
	t.Fatalf("unexpected want %T", w)
	return nil
}

// TestVectors checks every metric against the reference values in
// testdata/vectors.json to 1e-9 (absolute or relative).
func TestVectors(t *testing.T) {
	f := loadVectors(t)
	const tol = 1e-9
	seen := map[string]int{}
	for _, c := range f.Cases {
		seen[c.Metric]++
		name := fmt.Sprintf("%s/%s/%d", c.Metric, c.Name, seen[c.Metric])
		t.Run(name, func(t *testing.T) {
			a := f.Arrays
			label := arr[int](t, a, c.Label)
			var pred []int
			if c.Target == nil { // regression cases hold float predictions
				pred = arr[int](t, a, c.Pred)
			}
			probs := arr[float64](t, a, c.Probs)
			w := arr[float64](t, a, c.Weights)
			var got []float64
			var err error
			switch c.Metric {
			case "accuracy":
				got = []float64{Accuracy(pred, label, w)}
			case "balanced_accuracy":
				got = []float64{BalancedAccuracy(pred, label, c.K, w)}
			case "f1_macro":
				got = []float64{F1Macro(pred, label, c.K, w)}
			case "f1_micro":
				got = []float64{F1Micro(pred, label, c.K, w)}
			case "precision":
				got, _ = PrecisionRecall(pred, label, c.K, w)
			case "recall":
				_, got = PrecisionRecall(pred, label, c.K, w)
			case "mcc":
				got = []float64{MCC(pred, label, c.K, w)}
			case "confusion":
				got = ConfusionMatrix(pred, label, c.K, w)
			case "top_k_accuracy":
				got = []float64{TopKAccuracy(probs, c.K, label, c.TopK, w)}
			case "nll":
				got = []float64{NLL(probs, c.K, label, w)}
			case "brier":
				got = []float64{Brier(probs, c.K, label, w)}
			case "brier_binary":
				got = []float64{BrierBinary(arr[float64](t, a, c.P1), label, w)}
			case "auroc":
				var v float64
				v, err = AUROC(probs, c.K, label, w)
				got = []float64{v}
			case "average_precision":
				var v float64
				v, err = AveragePrecision(probs, c.K, label, w)
				got = []float64{v}
				auc, ap, _, apErr := AUROCAveragePrecision(probs, c.K, label, w)
				assert.Equal(t, v, ap, "AUROCAveragePrecision agrees with AveragePrecision")
				assert.Equal(t, err, apErr)
				auc2, _ := AUROC(probs, c.K, label, w)
				assert.Equal(t, auc2, auc)
			case "calibration":
				spec := CalibrationSpec{Bins: c.Bins, TopLabel: c.TopLabel}
				require.NoError(t, spec.Binning.UnmarshalText([]byte(c.Binning)))
				require.NoError(t, spec.Norm.UnmarshalText([]byte(c.Norm)))
				cal := CalibrationError(probs, c.K, label, spec, w)
				assert.Equal(t, spec, cal.Spec)
				got = []float64{cal.Value}
			case "classwise_ece":
				spec := CalibrationSpec{Bins: c.Bins}
				require.NoError(t, spec.Binning.UnmarshalText([]byte(c.Binning)))
				require.NoError(t, spec.Norm.UnmarshalText([]byte(c.Norm)))
				v, per := ClasswiseECE(probs, c.K, label, spec, w)
				assert.Len(t, per, c.K)
				got = []float64{v}
			case "aurc":
				got = []float64{AURC(arr[float64](t, a, c.Conf), arr[bool](t, a, c.Correct))}
			case "selective_acc":
				got = []float64{AccuracyAtCoverage(arr[float64](t, a, c.Conf), arr[bool](t, a, c.Correct), c.Coverage)}
			case "mae", "rmse", "r2", "pearson", "spearman":
				x, y := arr[float64](t, a, c.Pred), arr[float64](t, a, c.Target)
				fn := map[string]func(x, y, w []float64) float64{"mae": MAE, "rmse": RMSE, "r2": R2, "pearson": Pearson, "spearman": Spearman}[c.Metric]
				got = []float64{fn(x, y, w)}
			case "mcnemar":
				b01, b10, p := McNemar(arr[bool](t, a, c.ACorrect), arr[bool](t, a, c.BCorrect))
				got = []float64{float64(b01), float64(b10), p}
			default:
				t.Fatalf("unknown metric %q in vectors.json", c.Metric)
			}
			if c.Error {
				require.Error(t, err, "%s: reference says undefined (%s)", c.Metric, c.Ref)
				assert.True(t, errors.Is(err, ErrUndefined), "%v should wrap ErrUndefined", err)
				return
			}
			require.NoError(t, err)
			want := wantFloats(t, c.Want)
			require.Len(t, got, len(want))
			for i := range want {
				assert.True(t, scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol),
					"%s(%s)[%d] = %v; want %v (%s)", c.Metric, c.Name, i, got[i], want[i], c.Ref)
			}
		})
	}
	// Every metric family must be covered by at least one vector.
	for _, m := range []string{"accuracy", "balanced_accuracy", "f1_macro", "f1_micro", "precision", "recall", "mcc",
		"confusion", "top_k_accuracy", "nll", "brier", "brier_binary", "auroc", "average_precision", "calibration",
		"classwise_ece", "aurc", "selective_acc", "mae", "rmse", "r2", "pearson", "spearman", "mcnemar"} {
		assert.NotZero(t, seen[m], "no vectors for %s", m)
	}
}
