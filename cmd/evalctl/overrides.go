package main

import (
	"flag"

	"github.com/evalctl/evalctl/harness"
	"github.com/evalctl/evalctl/harness/suite"
)

// overrideFlags are --model NAME=PATH and --set key.path=value, shared by
// the commands that load a suite.
type overrideFlags struct {
	models, sets multiFlag
}

// add registers the flags on fs.
func (o *overrideFlags) add(fs *flag.FlagSet) {
	fs.Var(&o.models, "model", "NAME=PATH: evaluate the suite's model NAME from PATH (relative to the current folder; repeatable)")
	fs.Var(&o.sets, "set", "key.path=value: override any suite key, e.g. runtime.batch_size=64 or tasks.sst2.metrics=[accuracy] (value in YAML; repeatable)")
}

// overrides returns the suite overrides the flags give (${VAR}s are read
// from the process environment).
func (o *overrideFlags) overrides() suite.Overrides {
	return suite.Overrides{Models: o.models, Sets: o.sets}
}

// loadSuiteWith is loadSuite with command-line overrides; errors found on an
// overridden value name the flag.
func loadSuiteWith(path string, o suite.Overrides) (*suite.Suite, error) {
	s, err := suite.LoadWith(path, o)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	if _, err := harness.ParseGates(s); err != nil {
		return nil, withCode(exitUsage, s.Attribute(err))
	}
	return s, nil
}
