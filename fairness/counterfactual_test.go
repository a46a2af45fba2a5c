package fairness

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlipRates(t *testing.T) {
	t.Parallel()
	// Hand computation over 5 examples. "pronouns" changed examples 0-3
	// and flipped 1 and 3 → 2/4. "names" changed 2 and 4 and flipped 4 →
	// 1/2. Any: changed 0-4 (5), flipped 1, 3, 4 → 3/5.
	orig := []int{0, 1, 1, 0, 2}
	r, err := FlipRates(orig, []Counterfactual{
		{Name: "pronouns", Pred: []int{0, 0, 1, 1, 0}, Changed: []bool{true, true, true, true, false}},
		{Name: "names", Pred: []int{1, 1, 1, 0, 1}, Changed: []bool{false, false, true, false, true}},
	})
	require.NoError(t, err)
	assert.InDelta(t, 0.5, r.PerSubstitution[0].Rate.V, 1e-15)
	assert.Equal(t, 4, r.PerSubstitution[0].N)
	assert.Equal(t, []int8{0, 1, 0, 1, -1}, r.PerSubstitution[0].Flip)
	assert.InDelta(t, 0.5, r.PerSubstitution[1].Rate.V, 1e-15)
	assert.Equal(t, []int8{-1, -1, 0, -1, 1}, r.PerSubstitution[1].Flip)
	assert.InDelta(t, 0.6, r.Any.Rate.V, 1e-15)
	assert.Equal(t, []int8{0, 1, 0, 1, 1}, r.Any.Flip)

	none, err := FlipRates(orig, []Counterfactual{{Name: "x", Pred: orig, Changed: make([]bool, 5)}})
	require.NoError(t, err)
	assert.False(t, none.Any.Rate.Defined())
	assert.Equal(t, "substitution changed no example", none.PerSubstitution[0].Rate.Reason)

	_, err = FlipRates(orig, []Counterfactual{{Name: "short", Pred: []int{1}}})
	assert.ErrorContains(t, err, `counterfactual "short" (0): 1 predictions for 5`)
	_, err = FlipRates(orig, nil)
	assert.Error(t, err)
}

func TestMetricChange(t *testing.T) {
	t.Parallel()
	label := []int{0, 1, 1, 0}
	acc := func(p []int) float64 {
		c := 0
		for i := range p {
			if p[i] == label[i] {
				c++
			}
		}
		return float64(c) / float64(len(p))
	}
	orig := []int{0, 1, 0, 0} // accuracy 3/4
	// Example 3's counterfactual prediction is ignored: it did not change.
	ch, err := MetricChange(acc, orig, []Counterfactual{{Name: "swap", Pred: []int{0, 0, 0, 1}, Changed: []bool{true, true, true, false}}})
	require.NoError(t, err)
	assert.InDelta(t, 0.75, ch[0].Original.V, 1e-15)
	assert.InDelta(t, 0.5, ch[0].Counterfactual.V, 1e-15)
	assert.InDelta(t, -0.25, ch[0].Delta.V, 1e-15)
}

func TestSwapOneHot(t *testing.T) {
	t.Parallel()
	// Columns: 0 age, 1 sex=female, 2 sex=male, 3 income.
	enc := OneHot{Attribute: "sex", Columns: []int{1, 2}, Values: []string{"female", "male"}}
	rows := [][]float64{{30, 1, 0, 5}, {40, 0, 1, 7}}
	out, changed, err := SwapOneHot(rows, enc, map[string]string{"female": "male", "male": "female"})
	require.NoError(t, err)
	assert.Equal(t, [][]float64{{30, 0, 1, 5}, {40, 1, 0, 7}}, out)
	assert.Equal(t, []bool{true, true}, changed)
	assert.Equal(t, [][]float64{{30, 1, 0, 5}, {40, 0, 1, 7}}, rows, "input untouched")

	out, changed, err = SwapOneHot(rows, enc, map[string]string{"female": "male"})
	require.NoError(t, err)
	assert.Equal(t, [][]float64{{30, 0, 1, 5}, {40, 0, 1, 7}}, out)
	assert.Equal(t, []bool{true, false}, changed)

	for _, tc := range []struct {
		name    string
		rows    [][]float64
		enc     OneHot
		mapping map[string]string
		want    string
	}{
		{"two hot", [][]float64{{0, 1, 1, 0}}, enc, nil, "row 0: attribute \"sex\" has several"},
		{"none hot", [][]float64{{0, 0, 0, 0}}, enc, nil, "row 0: attribute \"sex\" has no non-zero"},
		{"short row", [][]float64{{0, 1}}, enc, nil, "row 0: one-hot column 2"},
		{"unknown target", rows, enc, map[string]string{"female": "other"}, `mapping to unknown value "other"`},
		{"mismatch", rows, OneHot{Attribute: "sex", Columns: []int{1}, Values: []string{"a", "b"}}, nil, "1 columns for 2 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := SwapOneHot(tc.rows, tc.enc, tc.mapping)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSwapCode(t *testing.T) {
	t.Parallel()
	rows := [][]float64{{1, 0}, {2, 1}, {3, 1}}
	out, changed, err := SwapCode(rows, 1, map[float64]float64{0: 1, 1: 0})
	require.NoError(t, err)
	assert.Equal(t, [][]float64{{1, 1}, {2, 0}, {3, 0}}, out)
	assert.Equal(t, []bool{true, true, true}, changed)
	_, _, err = SwapCode(rows, 2, nil)
	assert.ErrorContains(t, err, "row 0: column 2 outside row of width 2")
}

func TestTextSubstitute(t *testing.T) {
	t.Parallel()
	s, err := NewTextSubstituter(PronounPairs, true)
	require.NoError(t, err)
	names, err := PairLists([]string{"John", "James"}, []string{"Mary", "Patricia"})
	require.NoError(t, err)
	n, err := NewTextSubstituter(names, true)
	require.NoError(t, err)
	tests := []struct {
		sub     *TextSubstituter
		in, out string
		changed bool
	}{
		{s, "He said she saw him.", "She said he saw her.", true},
		{s, "HE SHOUTED", "SHE SHOUTED", true},
		{s, "he's here; his book", "she's here; her book", true},
		// "her" is ambiguous (him/his); list order makes it "his".
		{s, "I gave her her book", "I gave his his book", true},
		{s, "The theme shelters Hebrew", "The theme shelters Hebrew", false},
		{s, "hers", "his", true},
		{s, "", "", false},
		{s, "he-man", "she-man", true},
		{n, "John met MARY and james.", "Mary met JOHN and patricia.", true},
		{n, "Johnson", "Johnson", false},
		{s, "Él dijo he", "Él dijo she", true},
	}
	for _, tc := range tests {
		got, changed := tc.sub.Substitute(tc.in)
		assert.Equal(t, tc.out, got, "Substitute(%q)", tc.in)
		assert.Equal(t, tc.changed, changed, "Substitute(%q) changed", tc.in)
	}
	out, changed := s.SubstituteAll([]string{"he", "it"})
	assert.Equal(t, []string{"she", "it"}, out)
	assert.Equal(t, []bool{true, false}, changed)

	_, err = NewTextSubstituter([]WordPair{{"Mary Ann", "John"}}, false)
	assert.ErrorContains(t, err, "not a single word")
	_, err = PairLists([]string{"a"}, nil)
	assert.Error(t, err)
}

// TestTextPlugsIntoFlipRates runs the text pipeline end to end with a toy
// "model" that predicts 1 when the text contains "she".
func TestTextPlugsIntoFlipRates(t *testing.T) {
	t.Parallel()
	s, err := NewTextSubstituter(PronounPairs, false)
	require.NoError(t, err)
	texts := []string{"he runs", "the dog", "he and she", "they sing"}
	model := func(xs []string) []int {
		p := make([]int, len(xs))
		for i, x := range xs {
			if strings.Contains(" "+x+" ", " she ") {
				p[i] = 1
			}
		}
		return p
	}
	cf, changed := s.SubstituteAll(texts)
	r, err := FlipRates(model(texts), []Counterfactual{{Name: "pronouns m→f", Pred: model(cf), Changed: changed}})
	require.NoError(t, err)
	// Changed: 0 and 2. Example 0 flips 0→1; example 2 stays 1 ("she and she").
	assert.Equal(t, 2, r.Any.N)
	assert.InDelta(t, 0.5, r.Any.Rate.V, 1e-15)
}

// FuzzTextSubstitute checks that substitution never panics, reports
// changed exactly when the text changed, keeps valid UTF-8 valid and
// leaves text without table words alone.
func FuzzTextSubstitute(f *testing.F) {
	f.Add("He told her that his car was hers.")
	f.Add("\xff\xfehe\x00SHE")
	f.Add("")
	s, err := NewTextSubstituter(PronounPairs, true)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, changed := s.Substitute(in)
		if changed != (out != in) {
			t.Fatalf("Substitute(%q) = %q, changed %v", in, out, changed)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("Substitute(%q) = %q is not valid UTF-8", in, out)
		}
	})
}
