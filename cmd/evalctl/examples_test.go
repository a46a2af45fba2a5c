package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evalctl/evalctl/harness/result"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The scale-out examples (issue 13 item 16) must work as written: these
// tests parse them, check the keys that make them run, and run the
// Kubernetes example's commands with the real CLI.

// k8s objects, only the keys the example relies on.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec yaml.Node `yaml:"spec"`
}

type k8sPVCSpec struct {
	AccessModes []string `yaml:"accessModes"`
}

type k8sContainer struct {
	Name         string   `yaml:"name"`
	Image        string   `yaml:"image"`
	Command      []string `yaml:"command"`
	Args         []string `yaml:"args"`
	Env          []struct{ Name, Value string }
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type k8sJobSpec struct {
	CompletionMode        string `yaml:"completionMode"`
	Completions           *int   `yaml:"completions"`
	Parallelism           *int   `yaml:"parallelism"`
	BackoffLimit          *int   `yaml:"backoffLimit"`
	ActiveDeadlineSeconds *int   `yaml:"activeDeadlineSeconds"`
	PodFailurePolicy      *struct {
		Rules []struct {
			Action      string `yaml:"action"`
			OnExitCodes *struct {
				ContainerName string `yaml:"containerName"`
				Operator      string `yaml:"operator"`
				Values        []int  `yaml:"values"`
			} `yaml:"onExitCodes"`
		} `yaml:"rules"`
	} `yaml:"podFailurePolicy"`
	Template struct {
		Spec struct {
			RestartPolicy  string         `yaml:"restartPolicy"`
			InitContainers []k8sContainer `yaml:"initContainers"`
			Containers     []k8sContainer `yaml:"containers"`
			Volumes        []struct {
				Name                  string `yaml:"name"`
				PersistentVolumeClaim struct {
					ClaimName string `yaml:"claimName"`
				} `yaml:"persistentVolumeClaim"`
			} `yaml:"volumes"`
		} `yaml:"spec"`
	} `yaml:"template"`
}

// readK8s decodes every document of the example, strictly.
func readK8s(t *testing.T) (pvc *k8sObject, pvcSpec k8sPVCSpec, jobs map[string]k8sJobSpec) {
	t.Helper()
	f, err := os.Open("../../examples/kubernetes/indexed-job.yaml")
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	jobs = map[string]k8sJobSpec{}
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch o.Kind {
		case "PersistentVolumeClaim":
			require.Equal(t, "v1", o.APIVersion)
			require.NoError(t, o.Spec.Decode(&pvcSpec))
			pvc = &o
		case "Job":
			require.Equal(t, "batch/v1", o.APIVersion)
			var js k8sJobSpec
			require.NoError(t, o.Spec.Decode(&js))
			jobs[o.Metadata.Name] = js
		default:
			t.Fatalf("unexpected kind %q", o.Kind)
		}
	}
	return pvc, pvcSpec, jobs
}

// failsOn2And3 checks a podFailurePolicy rule that fails the Job at once on
// exit codes 2 (invalid input) and 3 (gate failed) of the named container.
func failsOn2And3(t *testing.T, js k8sJobSpec, container string) {
	t.Helper()
	require.NotNil(t, js.PodFailurePolicy, "podFailurePolicy")
	assert.Equal(t, "Never", js.Template.Spec.RestartPolicy, "podFailurePolicy needs restartPolicy Never")
	found := false
	for _, r := range js.PodFailurePolicy.Rules {
		if r.Action != "FailJob" || r.OnExitCodes == nil {
			continue
		}
		found = r.OnExitCodes.Operator == "In" && r.OnExitCodes.ContainerName == container &&
			slices.Contains(r.OnExitCodes.Values, 2) && slices.Contains(r.OnExitCodes.Values, 3)
	}
	assert.True(t, found, "a FailJob rule for exit codes 2 and 3 of container %q", container)
}

func envOf(c k8sContainer) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

func TestKubernetesExample(t *testing.T) {
	pvc, pvcSpec, jobs := readK8s(t)
	require.NotNil(t, pvc, "the shared volume's claim is part of the example")
	assert.Equal(t, []string{"ReadWriteMany"}, pvcSpec.AccessModes, "shards on several nodes share the volume")

	shards, ok := jobs["evalctl-shards"]
	require.True(t, ok)
	assert.Equal(t, "Indexed", shards.CompletionMode)
	require.NotNil(t, shards.Completions)
	require.NotNil(t, shards.Parallelism)
	n := *shards.Completions
	assert.Positive(t, *shards.Parallelism)
	assert.LessOrEqual(t, *shards.Parallelism, n)
	require.Len(t, shards.Template.Spec.Containers, 1)
	sc := shards.Template.Spec.Containers[0]
	failsOn2And3(t, shards, sc.Name)
	script := strings.Join(sc.Args, " ")
	assert.Contains(t, script, fmt.Sprintf(`--shard "${JOB_COMPLETION_INDEX}/%d"`, n), "every index is one shard of n = completions")
	assert.Regexp(t, `--out "\S*\$\{JOB_COMPLETION_INDEX\}"`, script, "one output folder per shard")
	assert.Contains(t, script, "--no-gates", "gates are checked on the merged result")

	merge, ok := jobs["evalctl-merge"]
	require.True(t, ok, "the merge is a Job of its own")
	require.Len(t, merge.Template.Spec.Containers, 1)
	mc := merge.Template.Spec.Containers[0]
	failsOn2And3(t, merge, mc.Name)
	assert.NotNil(t, merge.ActiveDeadlineSeconds, "the merge gives up if the shards never finish")
	require.Len(t, merge.Template.Spec.InitContainers, 1, "the merge waits for the shards")
	wait := strings.Join(merge.Template.Spec.InitContainers[0].Args, " ")
	assert.Contains(t, wait, fmt.Sprintf("-ge %d", n), "it waits for all n shards")
	assert.Contains(t, strings.Join(mc.Args, " "), "evalctl merge")

	// One image, one run folder, one volume for all.
	all := append([]k8sContainer{sc, mc}, merge.Template.Spec.InitContainers...)
	for _, c := range all {
		assert.Equal(t, sc.Image, c.Image, c.Name)
		assert.Equal(t, envOf(sc)["EVALCTL_RUN"], envOf(c)["EVALCTL_RUN"], c.Name)
		assert.Equal(t, []string{"sh", "-c"}, c.Command, c.Name)
		require.Len(t, c.VolumeMounts, 1, c.Name)
		assert.Equal(t, "/results", c.VolumeMounts[0].MountPath, c.Name)
	}
	assert.Equal(t, "REGISTRY/evalctl:VERSION", sc.Image, "the image the Dockerfile's header says to build and substitute")
	for name, js := range jobs {
		require.Len(t, js.Template.Spec.Volumes, 1, name)
		assert.Equal(t, pvc.Metadata.Name, js.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName, name)
	}

	// The Dockerfile builds the image from the dist tarball and puts the
	// suite where the Jobs read it.
	df, err := os.ReadFile("../../examples/kubernetes/Dockerfile")
	require.NoError(t, err)
	docker := string(df)
	assert.Regexp(t, `(?m)^FROM \S+`, docker)
	assert.Regexp(t, `(?m)^ADD \$\{TARBALL\} /opt/$`, docker)
	assert.Regexp(t, `(?m)^RUN ln -s /opt/evalctl-\*/evalctl /usr/local/bin/evalctl`, docker)
	for _, m := range regexp.MustCompile(`(?m)^COPY (\S+) (\S+)$`).FindAllStringSubmatch(docker, -1) {
		_, err := os.Stat(filepath.Join("../..", m[1]))
		assert.NoError(t, err, "COPY source %s", m[1])
	}
	assert.Contains(t, docker, "COPY suites/credit-fairness.yaml /suites/credit-fairness.yaml")
	assert.Contains(t, script, "evalctl run /suites/credit-fairness.yaml")
}

// TestKubernetesExampleRuns runs the Jobs' commands as the pods would —
// each shard index, then the merge once the init container's condition
// holds — with /suites mapped to the repository's suites folder and
// /results to a temporary folder.
func TestKubernetesExampleRuns(t *testing.T) {
	requireORT(t)
	_, _, jobs := readK8s(t)
	shards, merge := jobs["evalctl-shards"], jobs["evalctl-merge"]
	n := *shards.Completions
	sc, mc := shards.Template.Spec.Containers[0], merge.Template.Spec.Containers[0]
	suites, err := filepath.Abs("../../suites")
	require.NoError(t, err)
	results := t.TempDir()
	paths := map[string]string{"/suites": suites, "/results": results}
	for i := 0; i < n; i++ {
		env := envOf(sc)
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i)
		args := shellArgs(t, sc.Args[0], env, paths)
		code, _, stderr := runCLI(t, args...)
		require.Equal(t, exitOK, code, "shard %d: %v\n%s", i, args, stderr)
	}
	run := envOf(mc)["EVALCTL_RUN"]
	done, err := filepath.Glob(filepath.Join(results, run, "shard-*", "result.json"))
	require.NoError(t, err)
	assert.Len(t, done, n, "the init container's condition holds")
	args := shellArgs(t, mc.Args[0], envOf(mc), paths)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, exitOK, code, "merge: %v\n%s", args, stderr)
	assert.Contains(t, stdout, "| Model |", "the merged Markdown summary")
	merged, err := result.ReadFile(filepath.Join(results, run, "merged", "result.json"))
	require.NoError(t, err)

	// The merged result equals a single-machine run of the same suite.
	code, _, stderr = runCLI(t, "run", filepath.Join(suites, "credit-fairness.yaml"), "--out", filepath.Join(results, "single"), "--format", "none")
	require.Equal(t, exitOK, code, stderr)
	single, err := result.ReadFile(filepath.Join(results, "single", "result.json"))
	require.NoError(t, err)
	require.Len(t, merged.Evaluations, len(single.Evaluations))
	for i, ev := range single.Evaluations {
		m := merged.Evaluations[i]
		assert.Equal(t, ev.Key(), m.Key())
		assert.Equal(t, ev.N, m.N, ev.Key())
		for _, want := range ev.Metrics {
			got, ok := m.Metric(want.Name)
			require.True(t, ok, "%s %s", ev.Key(), want.Name)
			assert.InDelta(t, float64(want.Value), float64(got.Value), 1e-12, "%s %s", ev.Key(), want.Name)
		}
	}
}

// slurmScript reads a script's #SBATCH options and its last command line.
func slurmScript(t *testing.T, name string) (sbatch map[string]string, last string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../examples/slurm", name))
	require.NoError(t, err)
	sbatch = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if opt, ok := strings.CutPrefix(line, "#SBATCH "); ok {
			k, v, _ := strings.Cut(opt, "=")
			sbatch[k] = v
			continue
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			last = line
		}
	}
	return sbatch, last
}

func TestSlurmExample(t *testing.T) {
	opts, line := slurmScript(t, "array.sh")
	m := regexp.MustCompile(`^0-(\d+)$`).FindStringSubmatch(opts["--array"])
	require.NotNil(t, m, "#SBATCH --array=0-<n-1>, found %q", opts["--array"])
	n, _ := strconv.Atoi(m[1])
	n++
	b, err := os.ReadFile("../../examples/slurm/array.sh")
	require.NoError(t, err)
	assert.Contains(t, string(b), fmt.Sprintf("n=${SLURM_ARRAY_TASK_COUNT:-%d}", n))
	for i := 0; i < n; i++ {
		args := shellArgs(t, line, map[string]string{"i": strconv.Itoa(i), "n": strconv.Itoa(n), "run": "4242"}, nil)
		checkFlags(t, args)
		assert.Contains(t, args, fmt.Sprintf("%d/%d", i, n))
		assert.Contains(t, args, fmt.Sprintf("results/4242/shard-%d", i))
	}

	sb, err := os.ReadFile("../../examples/slurm/submit.sh")
	require.NoError(t, err)
	assert.Contains(t, string(sb), "array=$(sbatch --parsable examples/slurm/array.sh)")
	assert.Regexp(t, `sbatch --dependency=afterok:"\$array" .*--export=ALL,EVALCTL_RUN="\$array" examples/slurm/merge.sh`,
		strings.ReplaceAll(string(sb), "\\\n", " "), "the merge waits for every task of the array")

	_, mline := slurmScript(t, "merge.sh")
	args := shellArgs(t, mline, map[string]string{"run": "4242"}, nil)
	checkFlags(t, args)
	assert.Equal(t, "results/4242/shard-*/result.json", args[len(args)-1], "the merge reads the array's shards")
}

// checkFlags parses a command line with the real command's flags.
func checkFlags(t *testing.T, args []string) {
	t.Helper()
	require.NotEmpty(t, args)
	c := lookup(args[0])
	require.NotNil(t, c, "command %q", args[0])
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Setup(fs)
	require.NoError(t, fs.Parse(interleave(fs, args[1:])), "%v", args)
	assert.NotEmpty(t, fs.Args(), "%v: positional arguments", args)
}

// shellArgs turns a shell command line of the examples into evalctl's
// arguments: it drops "exec evalctl", expands $v, ${v}, ${v:-d} and ${v:?m}
// from env, honours single and double quotes, maps path prefixes (container
// paths to local ones) and expands unquoted globs that match. It covers
// the shell the examples use, nothing more.
func shellArgs(t *testing.T, line string, env map[string]string, paths map[string]string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, glob := false, false
	var quote byte
	flush := func() {
		if !inWord {
			return
		}
		w := cur.String()
		for from, to := range paths {
			if w == from || strings.HasPrefix(w, from+"/") {
				w = to + strings.TrimPrefix(w, from)
			}
		}
		if glob {
			if m, _ := filepath.Glob(w); len(m) > 0 {
				words = append(words, m...)
				cur.Reset()
				inWord, glob = false, false
				return
			}
		}
		words = append(words, w)
		cur.Reset()
		inWord, glob = false, false
	}
	varRe := regexp.MustCompile(`^\$(\{[A-Za-z_][A-Za-z0-9_]*(?::[-?][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)`)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote == '\'' && ch != '\'':
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			inWord = true
			if quote == ch {
				quote = 0
			} else if quote == 0 {
				quote = ch
			} else {
				cur.WriteByte(ch)
			}
		case ch == '$':
			m := varRe.FindString(line[i:])
			require.NotEmpty(t, m, "unsupported shell at %q", line[i:])
			name := strings.Trim(m[1:], "{}")
			def := ""
			if k := strings.Index(name, ":"); k >= 0 {
				if name[k+1] == '-' {
					def = name[k+2:]
				}
				name = name[:k]
			}
			v, ok := env[name]
			if !ok {
				v = def
			}
			require.True(t, ok || def != "", "variable %s is not set", name)
			cur.WriteString(v)
			inWord = true
			i += len(m) - 1
		case quote == 0 && (ch == ' ' || ch == '\t' || ch == '\n'):
			flush()
		default:
			if quote == 0 && (ch == '*' || ch == '?') {
				glob = true
			}
			cur.WriteByte(ch)
			inWord = true
		}
	}
	require.Zero(t, quote, "unbalanced quotes in %q", line)
	flush()
	if len(words) > 0 && words[0] == "exec" {
		words = words[1:]
	}
	require.NotEmpty(t, words)
	require.Equal(t, "evalctl", words[0], "%q", line)
	return words[1:]
}
