/**
 * Runs every bench script in turn, each in its own process, and writes their rows to bench/RESULTS.md with the
 * date and the machine.
 *
 *   npm run bench                     the full run (about 15 minutes on 2 cores)
 *   BENCH_QUICK=1 npm run bench       short runs, for a check that everything works
 *   BENCH_DATABASE_URL=postgres://…   booking throughput on PostgreSQL too (empties that database)
 *   BENCH_ONLY=booking,startup        a subset
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { QUICK, ROOT, Row } from './support/harness';

const SCRIPTS = ['booking', 'webhook-latency', 'fan-out', 'delivery', 'availability', 'memory', 'startup'];

function main(): void {
  const only = process.env.BENCH_ONLY?.split(',');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const rows: Row[] = [];
  const failed: string[] = [];
  for (const name of SCRIPTS.filter((s) => only === undefined || only.includes(s))) {
    console.log(`\n== bench:${name}`);
    const started = Date.now();
    const result = spawnSync(
      process.execPath,
      ['--require', 'ts-node/register/transpile-only', join('bench', `${name}.bench.ts`)],
      { cwd: ROOT, env: { ...process.env, BENCH_DIST: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    process.stdout.write(
      result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('BENCH_RESULT'))
        .join('\n'),
    );
    process.stderr.write(result.stderr);
    const line = /^BENCH_RESULT (.*)$/m.exec(result.stdout);
    if (result.status !== 0 || line === null) {
      failed.push(name);
      rows.push({
        name: `bench:${name}`,
        figure: 'FAILED (see its output)',
        baseline: '',
        ratio: null,
        target: '',
        met: false,
      });
      continue;
    }
    rows.push(...(JSON.parse(line[1]) as Row[]));
    console.log(`   (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, Node ${process.version}, ${process.platform}`;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const table = [
    `# Benchmark results`,
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine}${QUICK ? ', **quick mode** (shorter runs)' : ''}.`,
    'Written by `npm run bench`; every ratio is against a baseline measured in the same run.',
    'SQLite runs with `synchronous = FULL` (the default), the baseline server too.',
    '',
    '| measurement | figure | baseline | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${cell(r.name)} | ${cell(r.figure)} | ${cell(r.baseline)} | ${r.ratio === null ? '' : r.ratio.toFixed(2)} | ${cell(r.target)} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} |`,
    ),
    '',
    ...rows.filter((r) => r.notes).map((r) => `- ${cell(r.name)}: ${r.notes}`),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), table);
  console.log(`\nbench/RESULTS.md written${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
  process.exitCode = failed.length ? 1 : 0;
}

main();
