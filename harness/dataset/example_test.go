package dataset_test

import (
	"fmt"

	"github.com/evalctl/evalctl/harness/dataset"
)

// Stream a CSV file and encode each row's numeric and one-hot features.
func Example() {
	r, err := dataset.Open(dataset.Spec{Path: "testdata/small.csv"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	enc, err := dataset.CompileFeatures(r.Columns(), dataset.FeatureSpec{
		Columns:     []string{"sepal_length", "species"},
		OneHot:      true,
		Categories:  map[string][]string{"species": {"setosa", "versicolor", "virginica"}},
		FillMissing: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(enc.Names())
	dst := make([]float32, enc.Width())
	for r.Next() {
		rec := r.Record()
		if err := enc.Encode(rec, dst); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rec.Loc, dst)
	}
	if err := r.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [sepal_length species=setosa species=versicolor species=virginica]
	// testdata/small.csv:2 [5.1 1 0 0]
	// testdata/small.csv:3 [4.9 1 0 0]
	// testdata/small.csv:4 [7 0 1 0]
	// testdata/small.csv:5 [6.3 0 0 1]
}

// Bin a numeric attribute into fairness groups (right-closed bins).
func ExampleCompileGroup() {
	cols := []dataset.Column{{Name: "age", Kind: dataset.Number}}
	g, _ := dataset.CompileGroup(cols, dataset.GroupSpec{Column: "age", Bins: []float64{25}})
	for _, age := range []float64{19, 25, 26} {
		label, _ := g.Group(dataset.Record{Values: []dataset.Value{{Kind: dataset.Number, Num: age}}})
		fmt.Println(age, label)
	}
	// Output:
	// 19 <=25
	// 25 <=25
	// 26 >25
}

func ExampleNearest() {
	fmt.Println(dataset.Nearest("acuracy", []string{"accuracy", "auroc", "f1"}))
	// Output: accuracy
}
