import { nativeTarget, packageRoot } from '../../lib/native/package-root';
import { readStamp } from '../../lib/native/stamp';

/** Whether `npx resnet18 native install` has put tfjs-node in our package's folder (its stamp says so). */
export function nativeInstalled(): boolean {
	return readStamp(nativeTarget(packageRoot(), '@tensorflow/tfjs-node')) !== undefined;
}

/**
 * TensorFlow 2.21 logs two lines through absl while its library loads, before anything reads TF_CPP_MIN_LOG_LEVEL;
 * specs of our own stderr leave them out.
 */
export function isTensorFlowStartupLine(line: string): boolean {
	return (
		/^WARNING: All log messages before absl::InitializeLog\(\) is called/.test(line) ||
		/^I\d{4} [\d:. ]+\d+ port\.cc:\d+\] oneDNN custom operations are on/.test(line)
	);
}
