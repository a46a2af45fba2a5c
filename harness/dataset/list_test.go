package dataset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONLListColumn(t *testing.T) {
	t.Parallel()
	p := writeTemp(t, "mc.jsonl", []byte(`{"q": "2+2?", "choices": [], "gold": 0}
{"q": "sky?", "choices": ["blue", "green"], "gold": 0}
{"q": "none", "choices": null, "gold": 1}
`))
	cols, recs, err := readAll(t, Spec{Path: p})
	require.NoError(t, err)
	assert.Equal(t, List, cols[1].Kind)
	assert.Equal(t, Value{Kind: List, List: []string{}}, recs[0].Values[1])
	assert.Equal(t, Value{Kind: List, List: []string{"blue", "green"}}, recs[1].Values[1])
	assert.Equal(t, Value{}, recs[2].Values[1])
	choices, err := Choices(cols, "choices")
	require.NoError(t, err)
	got, err := choices(recs[1])
	require.NoError(t, err)
	assert.Equal(t, []string{"blue", "green"}, got)
	_, err = choices(recs[2])
	assert.EqualError(t, err, p+`:3: column "choices": missing list of choices`)
	_, err = Choices(cols, "choice")
	assert.ErrorContains(t, err, `choices: unknown column "choice" (did you mean "choices"?)`)
}

func TestJSONLListErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ data, want string }{
		{`{"c": ["a", 1]}`, `:1: key "c": element 1 of a list of strings is a number`},
		{`{"c": [1, "a"]}`, `:1: key "c": expected an array of numbers, found a string inside it`},
		{`{"c": ["a"]}` + "\n" + `{"c": [1]}`, `:2: column "c": expected a list of strings, found an array`},
		{`{"c": [["a"]]}`, `expected an array of numbers, found a string inside it`},
	} {
		p := writeTemp(t, "l.jsonl", []byte(tc.data))
		_, _, err := readAll(t, Spec{Path: p})
		require.Error(t, err, tc.data)
		assert.Contains(t, err.Error(), tc.want, tc.data)
	}
}
