package main

import (
	"context"
	"flag"
	"io"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/evalctl/evalctl/reports"
)

func init() {
	register(&command{
		Name: "card", UsageLine: "card [--model NAME] [--format md|html] [-o FILE] RESULT.json...",
		Short: "write an evaluation card per model (Model Cards, Mitchell et al. 2019)",
		Long: `Card writes one evaluation card per model found in the results, following
the sections of Model Cards (Mitchell et al. 2019) that an evaluation can
fill: model details and base model, intended and out-of-scope uses and
licence (from the model's card mapping in the suite), adaptation,
evaluation data (sizes and hashes), measured abilities with intervals,
weaknesses (worst groups, worst corruption cells, largest shift gaps,
calibration before and after temperature scaling, selective prediction),
biases (group gaps, counterfactual flip rates, WEAT, pair preference),
efficiency and cost (energy per 1,000 examples, carbon) and provenance.

Results of the same model from several suites merge into one card; a
model name that stands for different files (different SHA-256) is an
error. --model selects one model. See docs/cards.md.`,
		Setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			model := fs.String("model", "", "write the card of this model only")
			format := fs.String("format", "md", "md or html")
			out := fs.String("o", "", "write to FILE instead of stdout")
			return func(_ context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usageErrorf("usage: card takes one or more RESULT.json")
				}
				if !validFormat(*format, "md", "html") {
					return usageErrorf("--format %q: want md or html", *format)
				}
				var rs []*result.Result
				for _, p := range args {
					r, err := readResult(p)
					if err != nil {
						return err
					}
					rs = append(rs, r)
				}
				cards, err := reports.BuildCards(rs, *model)
				if err != nil {
					return withCode(exitUsage, err)
				}
				return writeOutput(e, *out, func(w io.Writer) error {
					if *format == "html" {
						return reports.WriteCardHTML(w, cards)
					}
					return reports.WriteCardMarkdown(w, cards)
				})
			}
		},
	})
}
