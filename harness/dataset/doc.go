// Package dataset reads evaluation data sets as streams of records and turns
// records into model inputs, labels, group attributes and text.
//
// # Readers
//
// [Open] returns a [Reader] for a [Spec]. Every reader streams: it holds one
// record (plus, for CSV and JSONL, a short prefix used to infer column kinds)
// in memory at a time, so a data set of any length can be read. Supported
// formats:
//
//   - CSV: a header row, then one record per row; quoted fields may span
//     lines; the delimiter is configurable. A column is a Number column when
//     every non-missing value in the first 100 rows parses as a number,
//     otherwise a String column ([Spec.Kinds] overrides this).
//   - JSONL: one JSON object per line. Numbers and booleans (1/0) are numbers,
//     strings are strings, arrays of numbers (nested arrays give the shape)
//     are arrays, null is missing. Columns are the keys of the first 100
//     objects in first-seen order; a later object with a new key is an error.
//   - NPY: one array per file (format versions 1, 2 and 3; dtypes f4, f8, i1,
//     i2, i4, i8, u1, u2, u4, u8, b1 in either byte order; C order only). The
//     first axis indexes examples: a 1-D array is a Number column, a higher
//     rank array an Array column of shape shape[1:].
//   - NPZ: a zip (stored or deflated) of .npy entries; each entry is a column
//     and all must share the first dimension. Entries are streamed side by
//     side, never loaded whole.
//   - IDX: the MNIST format, plain or gzip (detected from the magic bytes).
//     Element types u8, i8, i16, i32, f32 and f64.
//   - ARFF: Weka's format with numeric, real, integer, string, date (read as
//     a string) and nominal attributes, dense and sparse data rows, '%'
//     comments and quoted names and values.
//   - Parquet: read one row group at a time (parquet-go). Numbers, booleans
//     and strings are columns, struct fields "parent.child" columns, (nested)
//     lists of numbers Array columns, list<string> List columns; nulls are
//     missing. Other types are left out.
//   - Image folders: torchvision's ImageFolder layout, root/<class>/<image>,
//     with the columns image, label (Nominal, sorted classes) and path.
//
// Several NPY or IDX files are read side by side with [Spec.Paths]: each file
// is one column, and all files must hold the same number of rows. [JoinSpec]
// adds the columns of another file by row or by an id column, and
// [ImageSpec] decodes a column of image paths or PNG/JPEG bytes into [H, W, C]
// arrays, resized and cropped as torchvision does with PIL images.
//
// # Records
//
// Each call to [Reader.Next] produces a fresh [Record]: its Values slice and
// every Arr and Shape slice in it belong to the caller and are never reused or
// modified by the reader, so records may be kept (for batching) without
// copying.
//
// # Errors
//
// Errors name the input and the place: "file:line" for text formats,
// "file[row]" (0-based row) for binary ones, then what was expected and what
// was found, e.g. "data/x.csv:17: expected 5 fields, found 4". Bad input never
// panics and is never skipped silently: a reader stops at the first bad record
// and reports it through [Reader.Err].
//
// # Features
//
// [CompileFeatures] checks a declarative [FeatureSpec] against a reader's
// columns once and returns an [Encoder] that writes one example's feature
// vector into a caller-provided []float32 without allocating.
// [CompileLabel], [CompileGroup] and [Text] do the same for class labels,
// fairness group attributes and text fields.
package dataset
