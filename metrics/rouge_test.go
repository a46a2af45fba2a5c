package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rouge-score's testdata/target.txt and testdata/prediction.txt, lines 1 and
// 2 (random strings with English suffixes, scored by ROUGE-1.5.5 in
// rouge_scorer_test.py).
var (
	rougeTargets = []string{
		"ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
		"KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
	}
	rougePredictions = []string{
		"rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
		"n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
	}
)

func mustRouge(t *testing.T, kind, pred, ref string, stem bool) RougeScore {
	t.Helper()
	s, err := Rouge(kind, pred, []string{ref}, stem)
	require.NoError(t, err)
	return s
}

func TestRougeScorerTestCases(t *testing.T) {
	// rouge_scorer_test.py: RougeScorer.score(target, prediction); here Rouge(kind, prediction, [target]).
	for _, tc := range []struct {
		test, kind, target, pred string
		p, r, f                  float64
	}{
		{"testRouge1", "rouge1", "testing one two", "testing", 1, 1.0 / 3, 1.0 / 2},
		{"testRouge2", "rouge2", "testing one two", "testing one", 1, 1.0 / 2, 2.0 / 3},
		{"testRougeLConsecutive", "rougeL", "testing one two", "testing one", 1, 2.0 / 3, 4.0 / 5},
		{"testRougeLNonConsecutive", "rougeL", "testing one two", "testing two", 1, 2.0 / 3, 4.0 / 5},
		{"testMultipleRougeTypes", "rouge1", "testing one two", "testing one", 1, 2.0 / 3, 4.0 / 5},
		{"testRougeEmpty", "rouge1", "testing one two", "", 0, 0, 0},
		{"testRougeEmpty", "rouge2", "testing one two", "", 0, 0, 0},
		{"testRougeEmpty", "rougeL", "testing one two", "", 0, 0, 0},
	} {
		s := mustRouge(t, tc.kind, tc.pred, tc.target, false)
		assert.InDelta(t, tc.p, s.Precision, 1e-7, tc.test)
		assert.InDelta(t, tc.r, s.Recall, 1e-7, tc.test)
		assert.InDelta(t, tc.f, s.F, 1e-7, tc.test)
	}
}

func TestRougeAgainstRouge155(t *testing.T) {
	// rouge_scorer_test.py test*AgainstRouge155[WithStemming]: ROUGE-1.5.5's
	// own numbers, compared there to 5 places.
	for _, tc := range []struct {
		test    string
		kind    string
		stem    bool
		line    int
		r, p, f float64
	}{
		{"testRouge1AgainstRouge155", "rouge1", false, 0, 0.40741, 0.68750, 0.51163},
		{"testRouge1AgainstRouge155", "rouge1", false, 1, 0.40476, 0.65385, 0.50000},
		{"testRouge1AgainstRouge155WithStemming", "rouge1", true, 0, 0.40741, 0.68750, 0.51163},
		{"testRouge1AgainstRouge155WithStemming", "rouge1", true, 1, 0.42857, 0.69231, 0.52941},
		{"testRouge2AgainstRouge155", "rouge2", false, 0, 0.30769, 0.53333, 0.39024},
		{"testRouge2AgainstRouge155", "rouge2", false, 1, 0.29268, 0.48000, 0.36364},
		{"testRouge2AgainstRouge155WithStemming", "rouge2", true, 0, 0.30769, 0.53333, 0.39024},
		{"testRouge2AgainstRouge155WithStemming", "rouge2", true, 1, 0.29268, 0.48000, 0.36364},
		{"testRougeLAgainstRouge155", "rougeL", false, 0, 0.40741, 0.68750, 0.51163},
		{"testRougeLAgainstRouge155", "rougeL", false, 1, 0.40476, 0.65385, 0.50000},
	} {
		s := mustRouge(t, tc.kind, rougePredictions[tc.line], rougeTargets[tc.line], tc.stem)
		assert.InDelta(t, tc.r, s.Recall, 5e-6, "%s line %d", tc.test, tc.line)
		assert.InDelta(t, tc.p, s.Precision, 5e-6, "%s line %d", tc.test, tc.line)
		assert.InDelta(t, tc.f, s.F, 5e-6, "%s line %d", tc.test, tc.line)
	}
}

func TestRougeLsum(t *testing.T) {
	// rouge_scorer_test.py testRougeLsum (and testSummaryLevelLcs: R 4/5, P 4/10).
	s := mustRouge(t, "rougeLsum", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5", false)
	assert.InDelta(t, 0.8, s.Recall, 1e-12)
	assert.InDelta(t, 0.4, s.Precision, 1e-12)
	assert.InDelta(t, 0.5333, s.F, 5e-5)
	for _, tc := range [][2]string{{"", "w1 w2 w3 w4 w5"}, {"w1", ""}, {"/", "w1 w2 w3 w4 w5"}} {
		assert.Equal(t, RougeScore{}, mustRouge(t, "rougeLsum", tc[0], tc[1], false), "%q vs %q", tc[0], tc[1])
	}
	// testRougeLSumAgainstRouge155WithStemming: pyrouge_files/{target,prediction}_multi.0.txt.
	target := "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n" +
		"KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n" +
		"NhETebUbBk'er WOvoHMTjSRizKgH'vHiing Xu,hWxfs VkNE QhgKiLHE -HidivzoM.dO anhtion jbLQiSGDTCsuhREebUaKM dv J dVN tmbOT\n" +
		"vMR HDm,xOAetion D,tion HJtodT.mHl UIv-p VjWH'BdyWjnfGU-OjT aEMdFICyLWfQMtion wEMfdOKing AwkeKbO 'DxqNOHBH qKtVvm OYJl mM\n"
	prediction := "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n" +
		"n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n" +
		"xfs VkJE QhgKiLHE -HidivzoM.dO anhing jbLQiSGDTCsuhREebUaKM dv J\n" +
		"VjWH'BdyWjnfGU-OjTNaEMdFICyLWfQMing wEMfdOKijg AwkeKbO 'DxqNO\n"
	s = mustRouge(t, "rougeLsum", prediction, target, true)
	assert.InDelta(t, 0.36538, s.Recall, 5e-6)
	assert.InDelta(t, 0.66667, s.Precision, 5e-6)
	assert.InDelta(t, 0.47205, s.F, 5e-6)
}

func TestLCSIndices(t *testing.T) {
	// rouge_scorer_test.py testLcsTable and testUnionLcs (integers as strings).
	ref := []string{"1", "2", "3", "4", "5"}
	assert.Equal(t, []int{1, 2, 3}, lcsIndices(ref, []string{"2", "5", "3", "4"}))
	assert.Empty(t, lcsIndices(ref, []string{"8", "9"}))
	union := map[int]bool{}
	for _, c := range [][]string{{"1", "2", "6", "7", "8"}, {"1", "3", "8", "9", "5"}} {
		for _, i := range lcsIndices(ref, c) {
			union[i] = true
		}
	}
	assert.Equal(t, map[int]bool{0: true, 1: true, 2: true, 4: true}, union) // tokens 1 2 3 5
}

func TestRougeMultiAndErrors(t *testing.T) {
	// score_multi keeps the reference with the best F (hand check: the
	// second reference matches exactly).
	s, err := Rouge("rouge1", "testing one", []string{"nothing here", "testing one"}, false)
	require.NoError(t, err)
	assert.Equal(t, RougeScore{1, 1, 1}, s)
	s, err = Rouge("rougeL", "x", nil, false)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(s.F))
	// rouge_scorer_test.py testInvalidRougeTypes.
	for _, k := range []string{"rougen", "rouge0", "rouge10", "rougeLsum2", "rougel"} {
		_, err := Rouge(k, "testing one two", []string{"testing"}, false)
		assert.Error(t, err, k)
	}
	// rouge-score's tokenizer: non-alphanumerics separate, case folds, ≤3 chars are not stemmed.
	assert.Equal(t, []string{"the", "cat", "s", "run", "fast", "x2"}, RougeTokenize("The cat's RUNNING-fast; x2!", true))
	assert.Equal(t, []string{"the", "cat", "s", "running", "fast", "x2"}, RougeTokenize("The cat's RUNNING-fast; x2!", false))
}

func TestPorterStemNLTK(t *testing.T) {
	// testdata/porter.json: NLTK 3.8 PorterStemmer().stem, written by testdata/gen_porter.py.
	b, err := os.ReadFile(filepath.Join("testdata", "porter.json"))
	require.NoError(t, err)
	var want map[string]string
	require.NoError(t, json.Unmarshal(b, &want))
	require.NotEmpty(t, want)
	for w, s := range want {
		assert.Equal(t, s, PorterStem(w), w)
	}
}

func TestSQuADExactMatchAndF1(t *testing.T) {
	// Hand-computed from evaluate-v1.1.py's normalize_answer and f1_score.
	assert.Equal(t, "quick brown fox", NormalizeAnswer("The  Quick, brown fox!"))
	assert.Equal(t, "theory", NormalizeAnswer("a theory"))
	assert.Equal(t, "theory", NormalizeAnswer("  Theory AN.")) // "an." loses its period, then is a whole-word article
	assert.Equal(t, "another theoryé", NormalizeAnswer("Another theory\u00e9"))
	assert.Equal(t, "’s", NormalizeAnswer("the’s")) // \b: "’" is not a word character
	for _, tc := range []struct {
		pred string
		refs []string
		em   float64
		f1   float64
	}{
		// HF evaluate squad metric card example: {'exact_match': 100.0, 'f1': 100.0}.
		{"1976", []string{"1976"}, 1, 1},
		{"the Denver Broncos", []string{"Denver Broncos", "Broncos"}, 1, 1},
		// precision 1/3, recall 1/1 → F1 = 0.5
		{"Broncos of Denver", []string{"Broncos"}, 0, 0.5},
		// tokens are counted with multiplicity: pred [a a b] vs ref [a b]: 2 common, P 2/3, R 1 → 0.8
		{"x x y", []string{"x y"}, 0, 0.8},
		// the best reference wins for each metric separately
		{"blue whale", []string{"whale", "the blue whale."}, 1, 1},
		{"", []string{"anything"}, 0, 0},
		{"the", []string{"a"}, 1, 0}, // both normalise to "", so EM 1 and (v1.1) F1 0
	} {
		assert.Equal(t, tc.em, ExactMatch(tc.pred, tc.refs), "EM %q %q", tc.pred, tc.refs)
		assert.InDelta(t, tc.f1, TokenF1(tc.pred, tc.refs), 1e-12, "F1 %q %q", tc.pred, tc.refs)
	}
	assert.True(t, math.IsNaN(ExactMatch("x", nil)))
	assert.True(t, math.IsNaN(TokenF1("x", nil)))
}

func TestGenerationPairedBootstrap(t *testing.T) {
	// Paired comparison of two systems on the same examples through the
	// BLEU resample statistic: the identical system differs by 0 on every
	// resample; a system with one segment emptied is worse.
	b, err := NewBLEU(BLEUConfig{})
	require.NoError(t, err)
	var sa, sb [][]float64
	for i, h := range bleuHyps {
		sa = append(sa, b.Stats(h, bleuRefs[i]))
		if i == 2 {
			h = ""
		}
		sb = append(sb, b.Stats(h, bleuRefs[i]))
	}
	a, worse := b.Statistic(sa), b.Statistic(sb)
	delta, ci, _ := PairedBootstrap(len(sa), func(idx []int) (float64, float64) { return a(idx), a(idx) }, 100, 0.95, 3)
	assert.Equal(t, 0.0, delta)
	assert.Equal(t, 0.0, ci.Low)
	assert.Equal(t, 0.0, ci.High)
	delta, _, _ = PairedBootstrap(len(sa), func(idx []int) (float64, float64) { return a(idx), worse(idx) }, 100, 0.95, 3)
	assert.Less(t, delta, 0.0)
}
