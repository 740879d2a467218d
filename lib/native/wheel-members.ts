import { NativeInstallError } from '../errors';
import { runCommand, tail } from './run-command';

// Python's zipfile streams each member to disk and reads zip64 (the wheel holds a 750 MB member); python3 is a
// prerequisite of node-gyp anyway, so this adds no dependency. A member name with `..` could write outside `out`
// (zip-slip): such a wheel is refused before that member is written.
const LIST = 'import json,sys,zipfile\nprint(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))';
const EXTRACT = [
	'import json,os,shutil,sys,zipfile',
	'z=zipfile.ZipFile(sys.argv[1]); out=os.path.abspath(sys.argv[2]); rules=json.loads(sys.argv[3])',
	'for info in z.infolist():',
	'  for src,dst in rules:',
	'    if info.filename==src or (src.endswith("/") and info.filename.startswith(src)):',
	'      target=os.path.abspath(os.path.join(out,dst+info.filename[len(src):]) if src.endswith("/") else os.path.join(out,dst))',
	'      if os.path.commonpath([out,target])!=out: sys.exit("refusing member "+info.filename+": it would be written outside "+out)',
	'      if info.is_dir(): os.makedirs(target,exist_ok=True); break',
	'      os.makedirs(os.path.dirname(target),exist_ok=True)',
	'      with z.open(info) as r, open(target,"wb") as w: shutil.copyfileobj(r,w,1<<20)',
	'      break',
].join('\n');

export async function listWheel(python: string, wheel: string): Promise<string[]> {
	const r = await runCommand(python, ['-c', LIST, wheel], { keep: 64 * 1024 * 1024 });
	if (r.code !== 0)
		throw new NativeInstallError(
			'wheel',
			`${wheel} cannot be read as a zip (${tail(r.stderr, 2)})`,
			'download the wheel again (whole), or pass --wheel with another copy',
		);
	return JSON.parse(r.stdout) as string[];
}

/** Extract members: `[source, destination]` pairs, relative to `out`; a source ending in `/` copies a whole folder. */
export async function extractWheel(
	python: string,
	wheel: string,
	out: string,
	rules: readonly (readonly [string, string])[],
): Promise<void> {
	const r = await runCommand(python, ['-c', EXTRACT, wheel, out, JSON.stringify(rules)]);
	if (r.code !== 0)
		throw new NativeInstallError(
			'wheel',
			`extracting ${wheel} failed (${tail(r.stderr, 3)})`,
			'check the free disk space (about 1.2 GB during the build) and the wheel',
		);
}
