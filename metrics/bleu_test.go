package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected numbers in this file are sacreBLEU's own test vectors
// (sacrebleu 2.x, test/test_bleu.py, test/test_sentence_bleu.py and
// test/test_chrf.py); each case names the test it comes from.

func ptr(v float64) *float64 { return &v }

// sacreBLEU's README example (test_bleu.py _hyps/_refs); references there are
// two streams, here they are regrouped per segment.
var (
	bleuHyps = []string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}
	bleuRefs = [][]string{
		{"The dog bit the man.", "The dog had bit the man."},
		{"It was not unexpected.", "No one was surprised."},
		{"The man bit him first.", "The man had bitten the dog."},
	}
)

func TestCorpusBLEUSacrebleu(t *testing.T) {
	for _, tc := range []struct {
		name string
		hyps []string
		cfg  BLEUConfig
		want float64
	}{
		// test_bleu.py test_corpus_bleu
		{"default", bleuHyps, BLEUConfig{}, 48.530827},
		{"empty hypotheses", []string{"", "", ""}, BLEUConfig{}, 0},
		{"tokenize none", bleuHyps, BLEUConfig{Tokenize: "none"}, 49.1919566},
		{"tokenize 13a", bleuHyps, BLEUConfig{Tokenize: "13a"}, 48.530827},
		{"smooth none", bleuHyps, BLEUConfig{Smooth: "none"}, 48.530827},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := NewBLEU(tc.cfg)
			require.NoError(t, err)
			assert.InDelta(t, tc.want, b.Corpus(tc.hyps, bleuRefs), 1e-6)
		})
	}
	assert.InDelta(t, 48.530827, CorpusBLEU(bleuHyps, bleuRefs), 1e-6)

	// test_bleu.py test_max_ngram_order (compared there at 2 decimals).
	for order, want := range map[int]float64{1: 77.65, 2: 60.50, 3: 53.93, 4: 48.53, 5: 46.14, 6: 43.28} {
		b, err := NewBLEU(BLEUConfig{MaxOrder: order})
		require.NoError(t, err)
		assert.InDelta(t, want, b.Corpus(bleuHyps, bleuRefs), 0.005, "max order %d", order)
	}
}

// raw_corpus_bleu is sacreBLEU's corpus_bleu with floor smoothing at the
// given value, tokenize none and effective order.
func rawBLEU(t *testing.T, floor *float64) *BLEU {
	t.Helper()
	b, err := NewBLEU(BLEUConfig{Smooth: "floor", SmoothValue: floor, Tokenize: "none", EffectiveOrder: true})
	require.NoError(t, err)
	return b
}

func TestRawBLEUSacrebleu(t *testing.T) {
	b := rawBLEU(t, ptr(0.01))
	for _, tc := range []struct {
		name       string
		hyps       []string
		refs       [][]string
		want       float64
		testSource string
	}{
		{"no match", []string{"this is a test", "another test"}, [][]string{{"ref1"}, {"ref2"}}, 0, "test_raw_bleu"},
		{"identical", []string{"this is a test"}, [][]string{{"this is a test"}}, 1, "test_raw_bleu"},
		{"one word off", []string{"this is a fest"}, [][]string{{"this is a test"}}, 0.223606797749979, "test_raw_bleu"},
		{"eff order 1", []string{"test"}, [][]string{{"a test"}}, 0.3678794411714425, "test_effective_order"},
		{"eff order 2", []string{"a test"}, [][]string{{"a test"}}, 1, "test_effective_order"},
		{"eff order 3", []string{"a little test"}, [][]string{{"a test"}}, 0.03218297948685433, "test_effective_order"},
	} {
		assert.InDelta(t, tc.want, b.Corpus(tc.hyps, tc.refs)/100, 1e-8, "%s (%s)", tc.name, tc.testSource)
	}

	// test_statistics: counts [4 2 1 0], totals [6 5 4 3].
	st := b.Stats("am I am a character sequence", []string{"I am a symbol string sequence a a"})
	assert.Equal(t, []float64{6, 8, 4, 2, 1, 0, 6, 5, 4, 3}, st)

	// test_offset: floor 0 gives 0; the default floor (0.1) gives 0.1555722182.
	hyp, ref := []string{"am I am a character sequence"}, [][]string{{"I am a symbol string sequence a a"}}
	assert.InDelta(t, 0.0, rawBLEU(t, ptr(0)).Corpus(hyp, ref)/100, 1e-8)
	assert.InDelta(t, 0.1555722182, rawBLEU(t, nil).Corpus(hyp, ref)/100, 1e-8)
}

func TestBLEUScoreFromStatsSacrebleu(t *testing.T) {
	// test_bleu.py test_scoring: compute_bleu with smooth_method 'none'.
	b, err := NewBLEU(BLEUConfig{Smooth: "none"})
	require.NoError(t, err)
	assert.InDelta(t, 0.8375922397, b.Score([]float64{11, 11, 9, 7, 5, 3, 10, 8, 6, 4})/100, 1e-8)

	// test_degenerate_statistics: floor smoothing, [common, total, sys_len, ref_len], offset.
	for _, tc := range []struct {
		common, total [4]float64
		sys, ref      float64
		floor         float64
	}{
		{[4]float64{0, 0, 0, 0}, [4]float64{4, 4, 2, 1}, 0, 1, 0},
		{[4]float64{0, 0, 0, 0}, [4]float64{10, 11, 12, 0}, 14, 10, 0},
		{[4]float64{0, 0, 0, 0}, [4]float64{0, 0, 0, 0}, 0, 0, 0},
		{[4]float64{6, 5, 4, 0}, [4]float64{6, 5, 4, 3}, 6, 6, 0},
		{[4]float64{0, 0, 0, 0}, [4]float64{0, 0, 0, 0}, 0, 0, 0.1},
		{[4]float64{0, 0, 0, 0}, [4]float64{0, 0, 0, 0}, 1, 5, 0.01},
	} {
		b, err := NewBLEU(BLEUConfig{Smooth: "floor", SmoothValue: ptr(tc.floor)})
		require.NoError(t, err)
		st := append([]float64{tc.sys, tc.ref}, tc.common[:]...)
		st = append(st, tc.total[:]...)
		assert.Equal(t, 0.0, b.Score(st), "%+v", tc)
	}
}

func TestSentenceBLEUSacrebleu(t *testing.T) {
	// test_sentence_bleu.py test_api_sentence_bleu (effective order; |Δ| < 1e-3 there).
	const ref = "producţia de zahăr brut se exprimă în zahăr alb;"
	const sys = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
	for _, tc := range []struct {
		smooth string
		value  *float64
		tok    string
		want   float64
	}{
		{"exp", nil, "13a", 8.493},
		{"none", nil, "13a", 0.0},
		{"floor", nil, "13a", 4.51688},
		{"floor", ptr(0.1), "13a", 4.51688},
		{"floor", ptr(0.5), "13a", 10.10},
		{"add-k", nil, "13a", 14.882},
		{"add-k", ptr(1), "13a", 14.882},
		{"add-k", ptr(2), "13a", 21.389},
		{"exp", nil, "none", 7.347},
	} {
		b, err := NewBLEU(BLEUConfig{Smooth: tc.smooth, SmoothValue: tc.value, Tokenize: tc.tok, EffectiveOrder: true})
		require.NoError(t, err)
		assert.InDelta(t, tc.want, b.Sentence(sys, []string{ref}), 1e-3, "%s %v %s", tc.smooth, tc.value, tc.tok)
		// test_api_sentence_bleu_zero: no shared token scores 0 under every smoothing.
		if tc.tok == "13a" {
			assert.Equal(t, 0.0, b.Sentence("this is a cat", []string{"okay thanks"}))
		}
	}
	assert.InDelta(t, 8.493, SentenceBLEU(sys, []string{ref}), 1e-3)
}

func TestBLEUStatisticBootstrap(t *testing.T) {
	b, err := NewBLEU(BLEUConfig{})
	require.NoError(t, err)
	stats := make([][]float64, len(bleuHyps))
	for i, h := range bleuHyps {
		stats[i] = b.Stats(h, bleuRefs[i])
	}
	stat := b.Statistic(stats)
	// The full sample is the corpus score; a resample sums repeated rows.
	assert.InDelta(t, 48.530827, stat([]int{0, 1, 2}), 1e-6)
	assert.InDelta(t, b.Corpus([]string{bleuHyps[0], bleuHyps[0], bleuHyps[2]},
		[][]string{bleuRefs[0], bleuRefs[0], bleuRefs[2]}), stat([]int{0, 0, 2}), 1e-9)
	ci := BootstrapCI(len(stats), stat, 200, 0.95, 1)
	assert.LessOrEqual(t, ci.Low, 48.530827)
	assert.GreaterOrEqual(t, ci.High, 48.530827)
}

func TestTokenize13a(t *testing.T) {
	// Hand-derived from Tokenizer13a's four regular expressions.
	for in, want := range map[string]string{
		"The dog bit the man.":           "The dog bit the man .",
		"It wasn't surprising.":          "It wasn't surprising .",
		"3.14, 1,000 and 5-6 x-y (a/b)":  "3.14 , 1,000 and 5 - 6 x-y ( a / b )",
		"&quot;hi&quot; &amp; &lt;b&gt;": "\" hi \" & < b >",
		"line-\nbreak\nhere<skipped>":    "linebreak here",
		"a.,b":                           "a . , b",
		"end.":                           "end .",
	} {
		assert.Equal(t, want, Tokenize13a(in), in)
	}
}

func TestBLEUConfigErrors(t *testing.T) {
	for _, cfg := range []BLEUConfig{{Tokenize: "intl"}, {Smooth: "add-one"}, {MaxOrder: -1}, {Smooth: "floor", SmoothValue: ptr(-1)}} {
		_, err := NewBLEU(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	b, _ := NewBLEU(BLEUConfig{})
	assert.Panics(t, func() { b.Score([]float64{1}) })
	assert.Panics(t, func() { b.Corpus([]string{"a"}, nil) })
}

func TestCHRFSacrebleu(t *testing.T) {
	eps, err := NewCHRF(CHRFConfig{Beta: 3, EpsSmoothing: true})
	require.NoError(t, err)
	eff, err := NewCHRF(CHRFConfig{Beta: 3})
	require.NoError(t, err)
	keep, err := NewCHRF(CHRFConfig{Beta: 3, Whitespace: true})
	require.NoError(t, err)
	for _, tc := range []struct {
		name       string
		c          *CHRF
		hyps, refs []string
		want       float64
	}{
		// test_chrf.py test_chrf (beta 3, eps smoothing)
		{"test_chrf", eps, []string{"abcdefg"}, []string{"hijklmnop"}, 0.0},
		{"test_chrf", eps, []string{"a"}, []string{"b"}, 0.0},
		{"test_chrf", eps, []string{""}, []string{"b"}, 0.0},
		{"test_chrf", eps, []string{""}, []string{"ref"}, 0.0},
		{"test_chrf", eps, []string{""}, []string{"reference"}, 0.0},
		{"test_chrf", eps, []string{"aa"}, []string{"ab"}, 8.3333},
		{"test_chrf", eps, []string{"a", "b"}, []string{"a", "c"}, 8.3333},
		{"test_chrf", eps, []string{"a"}, []string{"a"}, 16.6667},
		{"test_chrf", eps, []string{"a b c"}, []string{"a b c"}, 50.0},
		{"test_chrf", eps, []string{"a b c"}, []string{"abc"}, 50.0},
		{"test_chrf", eps, []string{" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."},
			[]string{"risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."}, 63.361730},
		{"test_chrf", eps, []string{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
			[]string{"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."}, 64.1302698},
		{"test_chrf", eps, []string{"Niemand hat die Absicht, eine Mauer zu errichten"}, []string{"Niemand hat die Absicht, eine Mauer zu errichten"}, 100.0},
		// test_chrf.py test_chrf_eff_order (beta 3, effective order)
		{"test_chrf_eff_order", eff, []string{"a"}, []string{"a"}, 100.0},
		{"test_chrf_eff_order", eff, []string{""}, []string{"reference"}, 0.0},
		{"test_chrf_eff_order", eff, []string{"a b c"}, []string{"a b c"}, 100.0},
		{"test_chrf_eff_order", eff, []string{"a b c"}, []string{"abc"}, 100.0},
		{"test_chrf_eff_order", eff, []string{""}, []string{"c"}, 0.0},
		{"test_chrf_eff_order", eff, []string{"a", "b"}, []string{"a", "c"}, 50.0},
		{"test_chrf_eff_order", eff, []string{"aa"}, []string{"ab"}, 25.0},
		// test_chrf.py test_chrf_keep_whitespace (beta 3, whitespace kept)
		{"test_chrf_keep_whitespace", keep, []string{"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
			[]string{"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."}, 67.3481606},
		{"test_chrf_keep_whitespace", keep, []string{"risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."},
			[]string{"risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."}, 65.2414427},
	} {
		refs := make([][]string, len(tc.refs))
		for i, r := range tc.refs {
			refs[i] = []string{r}
		}
		assert.InDelta(t, tc.want, tc.c.Corpus(tc.hyps, refs), 1e-4, "%s %q", tc.name, tc.hyps)
	}

	// test_chrf.py test_chrf_sentence_level: sentence_chrf(eps_smoothing=True), beta 2.
	sent, err := NewCHRF(CHRFConfig{EpsSmoothing: true})
	require.NoError(t, err)
	for _, tc := range []struct {
		hyp, ref string
		want     float64
	}{
		{"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
			"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509},
		{"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
			"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079},
		{"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
			"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367},
	} {
		assert.InDelta(t, tc.want, sent.Sentence(tc.hyp, []string{tc.ref}), 1e-4, tc.hyp)
	}
}

func TestCHRFMultiReferenceAndStatistic(t *testing.T) {
	c, err := NewCHRF(CHRFConfig{})
	require.NoError(t, err)
	// The better reference wins (hand check: an identical reference scores 100).
	assert.InDelta(t, 100.0, c.Sentence("a b c", []string{"xyz", "abc"}), 1e-9)
	assert.InDelta(t, 100.0, SentenceCHRF("a b c", []string{"abc"}), 1e-9)
	assert.Equal(t, make([]float64, 18), c.Stats("abc", nil))
	stats := [][]float64{c.Stats("abc", []string{"abc"}), c.Stats("abd", []string{"xyz"})}
	assert.InDelta(t, CorpusCHRF([]string{"abc", "abd"}, [][]string{{"abc"}, {"xyz"}}), c.Statistic(stats)([]int{0, 1}), 1e-12)
	_, err = NewCHRF(CHRFConfig{CharOrder: -1})
	assert.Error(t, err)
}

// FuzzGenerationMetrics checks that no input makes a generation metric
// panic or leave its range, and that a text scored against itself gets the
// maximum wherever the metric defines one.
func FuzzGenerationMetrics(f *testing.F) {
	for _, s := range []string{"", "a", "The dog bit the man.", "3.14-x &amp; <skipped>\n", "\xff\xfe é 🙂", "the a an"} {
		f.Add(s, "a b c d e")
	}
	bleu, _ := NewBLEU(BLEUConfig{})
	chrf, _ := NewCHRF(CHRFConfig{})
	f.Fuzz(func(t *testing.T, hyp, ref string) {
		refs := []string{ref}
		vals := map[string]float64{"exact_match": ExactMatch(hyp, refs), "f1": TokenF1(hyp, refs)}
		for _, k := range []string{"rouge1", "rouge2", "rougeL", "rougeLsum"} {
			s, err := Rouge(k, hyp, refs, true)
			if err != nil {
				t.Fatal(err)
			}
			vals[k] = s.F
		}
		for name, v := range vals {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s = %v out of [0, 1]", name, v)
			}
		}
		for name, v := range map[string]float64{"bleu": bleu.Sentence(hyp, refs), "chrf": chrf.Sentence(hyp, refs)} {
			if !(v >= 0 && v <= 100+1e-9) {
				t.Fatalf("%s = %v out of [0, 100]", name, v)
			}
		}
		if v := ExactMatch(hyp, []string{hyp}); v != 1 {
			t.Fatalf("exact_match(%q, itself) = %v", hyp, v)
		}
		if v := TokenF1(hyp, []string{hyp}); len(pyFields(NormalizeAnswer(hyp))) > 0 && v != 1 {
			t.Fatalf("f1(%q, itself) = %v", hyp, v)
		}
	})
}
