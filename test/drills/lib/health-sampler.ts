import { spawn } from 'node:child_process';

/**
 * Samples GET /health/live every 20 ms from a separate process (so that the drill's own work
 * does not delay the timer it measures with), until `stop()`; returns each answer's time in ms
 * (-1 for a failed request).
 */
export function sampleHealth(url: string): { stop: () => Promise<number[]> } {
  const script = `
    const http = require('node:http');
    const samples = [];
    let stopping = false;
    process.stdin.on('data', () => { stopping = true; });
    process.stdin.resume();
    const once = () => new Promise((resolve) => {
      const started = performance.now();
      const req = http.get(process.argv[1], { agent: false, timeout: 10000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : -1));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(-1));
    });
    (async () => {
      while (!stopping) {
        samples.push(await once());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.stdout.write(JSON.stringify(samples));
      process.exit(0);
    })();`;
  const child = spawn(process.execPath, ['-e', script, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    stop: async () => {
      child.stdin!.write('stop\n');
      await exited;
      return JSON.parse(out) as number[];
    },
  };
}

export function percentile(samples: number[], p: number): number {
  const sorted = samples.filter((s) => s >= 0).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}
