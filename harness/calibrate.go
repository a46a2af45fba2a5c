package harness

// CalibrationKey is the predictions-sidecar key of a task's calibration split.
func CalibrationKey(model, task, dataset string) string {
	return model + "/" + task + "/calibration:" + dataset
}
