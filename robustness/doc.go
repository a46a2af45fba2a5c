// Package robustness perturbs plain inputs (images, tabular rows, text)
// with seeded, deterministic corruptions at severities 1–5, and summarises
// how a metric shifts under them: per perturbation × severity tables, mean
// over a corruption set, drops from clean, HELM worst-case accuracy,
// CheckList-style consistency, ImageNet-C mCE and effective robustness.
//
// It imports only the standard library and gonum, and works on plain data:
// an Image is CHW float32 with values in [0,1], a tabular row is
// []float64, text is a string. Inputs in other ranges (0..255, normalised
// tensors) must be mapped to [0,1] by the caller.
//
// # Determinism
//
// Every perturbation draws all its randomness from the *rand.Rand it is
// given. ExampleRNG(seed, name, severity, index) derives that source from a
// hash of the key, so the perturbed example i is the same whatever the
// order, sharding or number of goroutines. Perturbations hold no state and
// are safe for concurrent use.
//
// # Image perturbations
//
// Parameters follow make_cifar_c.py of Hendrycks & Dietterich (2019),
// "Benchmarking Neural Network Robustness to Common Corruptions and
// Perturbations" (ICLR), written for 32×32 CIFAR images and used here
// unchanged on 28×28 images (pixel-unit parameters differ by the factor
// 28/32 = 0.875, well inside the gap between severities), except pixelate,
// which takes ImageNet-C's factors: CIFAR's (0.95 … 0.65 → 26, 25, 23, 21,
// 18 px at 28 px) alias so that the mean change is not monotone in
// severity on 28×28 images. rotate and translate are not in CIFAR-10-C;
// their amounts are evalctl's choice for 28×28 digits (MNIST digits sit in
// a 20×20 box with a 4-pixel margin). Grey images are handled channel by
// channel; brightness uses the HSV value channel for 3-channel images.
//
//	name             parameter (severity 1, 2, 3, 4, 5)          operation
//	gaussian_noise   σ = 0.04, 0.06, 0.08, 0.09, 0.10             clip(x + N(0,σ²))
//	shot_noise       λ = 500, 250, 100, 75, 50                    clip(Poisson(x·λ)/λ)
//	impulse_noise    amount = 0.01, 0.02, 0.03, 0.05, 0.07        salt & pepper per value
//	gaussian_blur    σ = 0.4, 0.6, 0.7, 0.8, 1.0 px               separable, radius ⌊4σ+½⌋, nearest border
//	defocus_blur     (radius, alias σ) = (0.3,0.4) (0.4,0.5)      disk on a 17×17 grid, 3×3 Gaussian
//	                 (0.5,0.6) (1,0.2) (1.5,0.1)                  anti-alias, reflect-101 border
//	brightness       +0.05, 0.1, 0.15, 0.2, 0.3                   HSV value + c (grey: x + c), clipped
//	contrast         c = 0.75, 0.5, 0.4, 0.3, 0.15                (x − mean)·c + mean per channel
//	pixelate         c = 0.6, 0.5, 0.4, 0.3, 0.25 (ImageNet-C)    Pillow BOX down to ⌊H·c⌋×⌊W·c⌋ and up
//	jpeg_compression quality = 80, 65, 58, 50, 40                 image/jpeg encode + decode, 8-bit
//	rotate           ±5, 10, 15, 20, 30 degrees (random sign)     bilinear about the centre, fill 0
//	translate        1, 2, 3, 4, 5 px (random direction)          integer shift, fill 0
//	speckle_noise    c = 0.06, 0.1, 0.12, 0.16, 0.2               clip(x + x·N(0,c²))
//	saturate         (scale, shift) = (0.3,0) (0.1,0) (1.5,0)     HSV s → clip(s·scale + shift);
//	                 (2,0.1) (2.5,0.2)                            not RGB: unchanged
//
// That is the default parameter table, CIFAR10C. ImageNetC holds
// make_imagenet_c.py's values (LookupImageIn, ParamsIn); pixelate, rotate
// and translate are the same in both. The other ImageNet-C corruptions —
// glass_blur, motion_blur, zoom_blur, snow, frost, fog, elastic_transform,
// spatter — are in image_c.go with both tables; frost (a procedural
// texture instead of the reference's photographs) is a documented variant.
// They and speckle_noise and saturate are opt-in: SetNames leaves them out
// of the "image" set.
//
// # Tabular perturbations
//
// TabularParams declares the per-feature standard deviations, the fill value
// and the features to perturb (nil: all). Severity parameters are evalctl's
// choice; there is no standard tabular corruption benchmark.
//
//	feature_noise    x_j + k·Std_j·N(0,1), k = 0.1, 0.25, 0.5, 0.75, 1
//	feature_dropout  x_j → Fill_j with p = 0.05, 0.1, 0.2, 0.3, 0.5
//	feature_scale    x_j·(1+δ), δ = 0.05, 0.1, 0.2, 0.35, 0.5
//	feature_offset   x_j + k·Std_j, k = 0.1, 0.25, 0.5, 0.75, 1
//
// # Text perturbations
//
// Severity sets a probability per letter (p_char = 0.02, 0.04, 0.06, 0.08,
// 0.10), per word or gap (p_word = 0.1 … 0.5) or per match (p_match = 0.2,
// 0.4, 0.6, 0.8, 1.0), in the range of HELM's robustness perturbations
// (Liang et al. 2022). Output is always valid UTF-8.
//
//	keyboard_typo  p_char   letter → random US-QWERTY neighbour, same case
//	char_swap      p_char   swap a letter with the next letter
//	char_drop      p_char   delete a letter or digit
//	char_insert    p_char   insert a QWERTY neighbour after a letter
//	case_change    p_word   upper-case a word (lower-case an all-caps word)
//	whitespace     p_word   add 1–3 spaces to a gap between words
//	punctuation    p_match  delete a punctuation mark or swap it for one of .,;:!?
//	contraction    p_match  "do not" → "don't" (list: Contractions)
//	expansion      p_match  "don't" → "do not"
//
// # Summaries
//
// Summaries are pure functions of plain numbers: Table (metric per
// perturbation × severity, Mean over a corruption set), DropFrom and Gap
// (absolute and relative drop; ID vs OOD), WorstCase / WorstCaseCorrect
// (HELM, per instance min over the original and its perturbations),
// Consistent (CheckList INV, Ribeiro et al. 2020), WorstCaseConsistency and
// ConsistencyTerms (both per example, with invalid outputs left out), MCE
// and MCEPublished (Hendrycks & Dietterich 2019) and FitLogit / EffectiveRobustness (Taori
// et al. 2020). Functions that return per-example vectors exist so the
// caller can bootstrap confidence intervals.
//
// # Errors
//
// Nothing in this package panics on bad input: invalid images, wrong
// lengths, out-of-range severities, unknown names and degenerate fits are
// returned as errors that name the input. NaN scores propagate to NaN
// results.
package robustness
