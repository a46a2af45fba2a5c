// Package onnx reads the parts of an ONNX model file that evalctl reports
// without loading ONNX Runtime: model metadata, opset imports, graph inputs
// and outputs with their symbolic dimensions, the operator histogram, the
// initializers and the parameter count. It powers `evalctl inspect`.
//
// The reader walks the protobuf wire format with
// google.golang.org/protobuf/encoding/protowire; there is no generated code
// and no dependency on onnx.proto. Unknown fields are skipped, so files from
// newer ONNX versions still read. Malformed input never panics: ReadFile and
// Parse return a *FormatError naming the file and the byte offset at which
// decoding failed.
//
// Conventions:
//
//   - Inputs lists the graph inputs that are not initializers (what a caller
//     must feed, which is what ONNX Runtime reports). Graph inputs that also
//     have an initializer (IR version < 4 exporters list every weight as an
//     input) are in OverridableInputs.
//   - ParameterCount is the sum of the element counts of all dense
//     initializers, including those that are also graph inputs (they hold the
//     weights either way), plus the number of stored values of sparse
//     initializers. Constant nodes and initializers inside subgraphs (If,
//     Loop, Scan bodies) are not counted.
//   - NodeCount and OpTypes count the nodes of the main graph only; ops of
//     other domains are keyed "domain:OpType" (e.g. "ai.onnx.ml:ZipMap").
//   - External data: an initializer whose data_location is EXTERNAL; its
//     "location" entry is collected in ExternalData. The side files are not
//     opened.
package onnx
