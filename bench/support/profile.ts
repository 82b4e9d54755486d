/** Summaries of a V8 CPU profile (`node --cpu-prof`) for the bench's profile scripts. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to (`typeorm`, `@nestjs/core`), `app` for the service, `node` for Node's own. */
function owner(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:') || url === '') return url === '' ? '(native / GC / idle)' : 'node internals';
  if (/\/(src|dist)\//.test(url)) return 'app (src/)';
  return url;
}

/**
 * Self time by package and by function, as shares of all samples; with `perRequest` (the number of requests
 * the profile covers) also in ms per request.
 */
export function summarize(profile: Profile, top = 25, perRequest?: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!;
    const pkg = callFrame.functionName === '(idle)' ? '(idle)' : owner(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist)\//, '$1/')}:${callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const pct = (micros: number) =>
    `${((micros / total) * 100).toFixed(1).padStart(5)}%` +
    (perRequest ? `  ${(micros / 1000 / perRequest).toFixed(2).padStart(6)} ms/req` : '');
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    'self time by package:',
    ...sorted(byPackage).map(([name, micros]) => `  ${pct(micros)}  ${name}`),
    '',
    'self time by function:',
    ...sorted(byFunction).map(([name, micros]) => `  ${pct(micros)}  ${name}`),
  ].join('\n');
}
